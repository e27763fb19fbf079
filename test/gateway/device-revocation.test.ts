import { randomUUID } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LISTENER_APPLICATION_NAME } from '../../src/gateway/device-gateway';
import type { SimulatedDevice } from '../../src/targets/devices/simulator/simulator';
import type { CloudBroker } from '../../src/targets/devices/client/broker';
import { startApi, type TestApi } from '../helpers/api';
import { eventually, newCareer, startDeviceStack, TEST_SYNC_DEFAULTS, type DeviceStack } from './device-harness';

/**
 * Revoking a door (DELETE, rotate-secret) takes effect at once: the API writes the registry, the row's trigger
 * NOTIFYs, the gateway — possibly another process — drops the live MQTT session and the broker refuses the old
 * secret from then on. The API never calls the broker. Before, the session stayed up after DELETE, still received
 * acks and could still upload.
 */

/** A revocation must reach a connected door within this long (a liveness bound, not a speed target). */
const REVOKED_WITHIN_MS = 5000;
/** The listener's first reconnect waits this long: long enough that a rotation lands while nobody listens. */
const LISTENER_RETRY_MS = 5000;

let k: DeviceStack;
let api: TestApi;
const raws: MqttClient[] = [];

beforeAll(async () => {
  // No periodic re-check during the test: what drops a session is the NOTIFY, or the listener's catch-up.
  k = await startDeviceStack({ gateway: { listenerRetryMs: LISTENER_RETRY_MS, sessionRecheckMs: 600_000 } });
  api = await startApi(k.s, k.taskQueue, { devices: { syncDefaults: TEST_SYNC_DEFAULTS, commandTimeoutMs: 15_000 } });
});
afterAll(async () => {
  await Promise.allSettled(raws.map((c) => c.endAsync(true)));
  await api?.close();
  await k?.close();
});

const broker = (): CloudBroker => k.gateway.broker as CloudBroker;

function connectRaw(id: string, secret: string): Promise<MqttClient> {
  return connectAsync(k.gateway.url, {
    clientId: id,
    username: id,
    password: secret,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  }).then((c) => {
    raws.push(c);
    return c;
  });
}

/** A registered door holding one person, connected and seen online by the gateway. */
async function connectedDoor(): Promise<{ id: string; secret: string; d: SimulatedDevice; userId: number }> {
  const c = newCareer();
  const [userId] = await k.addPeople(c, 1);
  const id = `door-${randomUUID().slice(0, 8)}`;
  const created = await api.request('POST', '/api/devices', { body: { id, name: id, careers: [c] } });
  expect(created.status).toBe(201);
  const secret = created.json.secret as string;
  const d = await k.startDevice(id, secret, { eventResendMs: 300 });
  await k.inSync(id, d);
  expect(broker().isOnline(id)).toBe(true);
  return { id, secret, d, userId: userId as number };
}

async function revokedPresence(id: string): Promise<boolean> {
  const r = await k.sql<{ reason: string }>(
    `select reason from device_presence where device_id = ? and not online order by id desc limit 1`,
    [id],
  );
  return r[0]?.reason === 'revoked';
}

async function stored(table: 'access_event' | 'device_capture', id: string): Promise<number> {
  const [r] = await k.sql<{ n: number }>(`select count(*)::int as n from ${table} where device_id = ?`, [id]);
  return r?.n ?? 0;
}

describe('DELETE /api/devices/:id revokes the door at once', () => {
  it('disconnects the live session, refuses the secret, and nothing the door sends afterwards is acked or stored', async () => {
    const { id, secret, d, userId } = await connectedDoor();
    expect((await api.request('DELETE', `/api/devices/${id}`)).status).toBe(204);
    await eventually(async () => !d.online && !broker().isOnline(id), 'the session dropped', REVOKED_WITHIN_MS);
    // The door's own reconnect with the secret it has is refused, and so is anyone else's.
    await eventually(async () => d.counters.loginsRefused >= 1, 'the door’s reconnect refused', REVOKED_WITHIN_MS);
    await expect(connectRaw(id, secret)).rejects.toThrow(/Bad username or password|Not authorized/);

    // Door events and a snapshot after the delete: they never reach gatesync, and no ack comes back.
    const acked = d.counters.eventBatchesAcked;
    expect(d.attemptAccess(userId, 'fa')).toBeDefined();
    d.flushEvents();
    await expect(d.uploadCapture(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1]), { userId })).rejects.toThrow(/offline/);
    expect(d.unacknowledgedEvents()).toBe(1);
    expect(d.counters.eventBatchesAcked).toBe(acked);
    expect(await stored('access_event', id)).toBe(0);
    expect(await stored('device_capture', id)).toBe(0);
  });
});

describe('POST /api/devices/:id/rotate-secret revokes the old secret at once', () => {
  it('disconnects the session, refuses the old secret, accepts the new one, and the door syncs again with it', async () => {
    const { id, secret, d } = await connectedDoor();
    const rotated = await api.request('POST', `/api/devices/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const fresh = rotated.json.secret as string;
    await eventually(async () => !d.online && !broker().isOnline(id), 'the session dropped', REVOKED_WITHIN_MS);
    await eventually(
      async () => d.counters.loginsRefused >= 1,
      'the door’s reconnect with the old secret refused',
      REVOKED_WITHIN_MS,
    );
    await eventually(() => revokedPresence(id), 'presence offline, reason revoked');
    await expect(connectRaw(id, secret)).rejects.toThrow(/Bad username or password|Not authorized/);

    await d.reconnectWith(fresh);
    await eventually(
      async () => broker().isOnline(id) && (await api.request('GET', `/api/devices/${id}`)).json.online === true,
      'online again',
    );
    // The new session is not dropped by the revocation of the old one, and the sync runs on it.
    const [added] = await k.addPeople((await api.request('GET', `/api/devices/${id}`)).json.careers[0] as string, 1);
    await k.inSync(id, d);
    expect(d.users().map((u) => u.userId)).toContain(added);
    expect(broker().isOnline(id)).toBe(true);
  });

  it('given a rotation while the gateway’s listener was down (its NOTIFY lost), drops the old session when the listener is back', async () => {
    const { id, secret, d } = await connectedDoor();
    const [killed] = await k.sql<{ n: number }>(
      `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = ? and datname = current_database()`,
      [LISTENER_APPLICATION_NAME],
    );
    expect(killed?.n).toBe(1);
    await eventually(async () => !k.gateway.listening, 'the listener noticed its connection is gone');
    const rotated = await api.request('POST', `/api/devices/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    // The precondition of this test: nobody listened when the rotation committed.
    expect(k.gateway.listening, 'the rotation must land while the listener is down').toBe(false);
    await eventually(async () => k.gateway.listening, 'the listener reconnected', LISTENER_RETRY_MS + 10_000);
    await eventually(
      async () => !d.online && !broker().isOnline(id),
      'the stale session dropped after the reconnect',
      REVOKED_WITHIN_MS,
    );
    await expect(connectRaw(id, secret)).rejects.toThrow(/Bad username or password|Not authorized/);
    // The queue wake-ups work again on the new connection.
    await d.reconnectWith(rotated.json.secret as string);
    await eventually(async () => broker().isOnline(id), 'online with the new secret');
    const [added] = await k.addPeople((await api.request('GET', `/api/devices/${id}`)).json.careers[0] as string, 1);
    await k.inSync(id, d);
    expect(d.users().map((u) => u.userId)).toContain(added);
  });
});
