import { randomUUID } from 'node:crypto';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { createLogger } from '../../../src/logger';
import { startBroker, type CloudBroker, type PresenceEvent } from '../../../src/targets/devices/client/broker';
import { CloudGatewayClient, type GatewayClientOptions } from '../../../src/targets/devices/client/gateway-client';
import { waitFor } from '../../helpers/wait';

export const GATEWAY = { username: 'gatesync-gw', password: 'gw-secret-0123456789' };
export const APP_ID = 'gatesync-app';
export const logger = createLogger('silent');

/** Secrets of every device a test may use: `secret-<id>`; unknown ids are refused. */
export const secretOf = (deviceId: string) => `secret-${deviceId}`;

export interface Harness {
  broker: CloudBroker;
  presence: PresenceEvent[];
  authCalls: string[];
  close(): Promise<void>;
}

export async function startHarness(
  opts: { maxPacketBytes?: number; known?: (id: string) => boolean } = {},
): Promise<Harness> {
  const presence: PresenceEvent[] = [];
  const authCalls: string[] = [];
  const broker = await startBroker({
    port: 0,
    authenticate: async (deviceId, secret) => {
      authCalls.push(deviceId);
      return (opts.known?.(deviceId) ?? true) && secret === secretOf(deviceId) ? { credential: 'test' } : false;
    },
    gatewayCredentials: GATEWAY,
    logger,
    maxPacketBytes: opts.maxPacketBytes,
    onPresence: (e) => presence.push(e),
  });
  return { broker, presence, authCalls, close: () => broker.close() };
}

export function uniqueDeviceId(prefix = 'dev'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A raw MQTT client (no reconnect), as a device or an attacker would connect. */
export function rawClient(url: string, options: IClientOptions): Promise<MqttClient> {
  return connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
}

export function rawDevice(url: string, deviceId: string, secret = secretOf(deviceId)): Promise<MqttClient> {
  return rawClient(url, { clientId: deviceId, username: deviceId, password: secret });
}

export function gatewayClient(url: string, extra: Partial<GatewayClientOptions> = {}): Promise<CloudGatewayClient> {
  return CloudGatewayClient.connect({ url, ...GATEWAY, appId: APP_ID, logger, defaultTimeoutMs: 3000, ...extra });
}

/** Polls until `check` is true (or fails after `timeoutMs`). */
export async function eventually(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  await waitFor(() => Promise.resolve(check()), what, { timeoutMs, intervalMs: 10 });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function upEnvelope(deviceId: string, data: unknown, mid: string = randomUUID()): string {
  return JSON.stringify({ mid, from: deviceId, to: APP_ID, time: Math.floor(Date.now() / 1000), action: 300, data });
}
