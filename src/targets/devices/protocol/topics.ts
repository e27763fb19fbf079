/**
 * MQTT topics for cloud access-control devices. The seed leaves the transport to the platform; this project
 * uses MQTT (reference cloud-protocol.md "Envelope", "Transport"): each device subscribes to its own down topic
 * and publishes to its own up topic, QoS 1, payload = the JSON envelope as UTF-8.
 */

export const CLOUD_QOS = 1 as const;

/** Everything the gateway listens to. `+` matches exactly one level, and device ids never contain `/`. */
export const ALL_UP_TOPICS = 'acs/+/up';

/**
 * A device id becomes a topic level and the MQTT client id, so it must not contain `/`, `+`, `#`, start with `$`
 * or be empty. The seed never shows a device id's format; this conservative alphabet is our choice and the broker
 * refuses any other id at CONNECT.
 */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

export function isValidDeviceId(deviceId: string): boolean {
  return DEVICE_ID_PATTERN.test(deviceId);
}

function checked(deviceId: string): string {
  if (!isValidDeviceId(deviceId))
    throw new RangeError(`not a valid device id for a topic: ${JSON.stringify(deviceId)}`);
  return deviceId;
}

/** application → device (actions 500 and 200). */
export function downTopic(deviceId: string): string {
  return `acs/${checked(deviceId)}/down`;
}

/** device → application (action 300). */
export function upTopic(deviceId: string): string {
  return `acs/${checked(deviceId)}/up`;
}

export type TopicDirection = 'up' | 'down';

/** `{deviceId, direction}` for `acs/{deviceId}/{up|down}` with a valid id; `undefined` for anything else. */
export function parseTopic(topic: string): { deviceId: string; direction: TopicDirection } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== 'acs') return undefined;
  const [, deviceId, direction] = parts;
  if (deviceId === undefined || !isValidDeviceId(deviceId)) return undefined;
  if (direction !== 'up' && direction !== 'down') return undefined;
  return { deviceId, direction };
}
