import type { Socket } from 'node:net';
import type { MqttClient } from 'mqtt';

/**
 * mqtt.js writes one packet in several socket writes (fixed header, topic, payload). With Nagle's algorithm on,
 * the later writes wait for the peer's ACK, which the peer delays by up to ~40 ms: every message would arrive
 * that much late. Turned off on the current socket and on each one a reconnect opens (TCP and TLS alike).
 */
export function disableNagle(client: MqttClient): void {
  const apply = () => (client.stream as Partial<Socket> | undefined)?.setNoDelay?.(true);
  apply();
  client.on('connect', apply);
}
