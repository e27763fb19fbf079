import { ALL_UP_TOPICS, parseTopic } from '../protocol/topics';

/**
 * Who may touch which topic (digest "Transport": "A device may touch only its own two topics"). Pure functions
 * so the rules can be read and tested apart from aedes. The same rules for an external Mosquitto:
 *
 *   # gateway user (one account, any number of client ids starting with its name)
 *   user gatesync-gateway
 *   topic read acs/+/up
 *   topic write acs/+/down
 *   # every device: %u is the username, which the auth plugin forces to equal the client id
 *   pattern read acs/%u/down
 *   pattern write acs/%u/up
 *
 * plus `max_packet_size`, `allow_anonymous false` and an auth plugin (e.g. mosquitto-go-auth) calling the same
 * secret check; Mosquitto's `%c` can be used instead of `%u` to pin the rule to the client id.
 */

export type Principal = { kind: 'device'; deviceId: string } | { kind: 'gateway' };

export function mayPublish(who: Principal, topic: string): boolean {
  const parsed = parseTopic(topic);
  if (parsed === undefined) return false;
  if (who.kind === 'gateway') return parsed.direction === 'down';
  return parsed.direction === 'up' && parsed.deviceId === who.deviceId;
}

/** Exact topics only for devices: a wildcard filter could match another device's topic. */
export function maySubscribe(who: Principal, filter: string): boolean {
  if (who.kind === 'gateway') {
    if (filter === ALL_UP_TOPICS) return true;
    const parsed = parseTopic(filter);
    return parsed !== undefined && parsed.direction === 'up';
  }
  const parsed = parseTopic(filter);
  return parsed !== undefined && parsed.direction === 'down' && parsed.deviceId === who.deviceId;
}
