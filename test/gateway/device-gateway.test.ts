import { randomUUID } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downTopic, upTopic } from '../../src/targets/devices/protocol/topics';
import { DeviceSecretVerifier, SCRYPT_PARAMS, scryptKdf, type ScryptParams } from '../../src/security/device-secret';
import { APP_ID, eventually, startDeviceStack, type DeviceStack } from './device-harness';

let k: DeviceStack;
const clients: MqttClient[] = [];
/** The parameters of every scrypt the broker's logins ran (the real scrypt runs too). */
const scrypts: ScryptParams[] = [];

beforeAll(async () => {
  const secretVerifier = await DeviceSecretVerifier.create((secret, salt, keyLen, params) => {
    scrypts.push(params);
    return scryptKdf(secret, salt, keyLen, params);
  });
  k = await startDeviceStack({ gateway: { secretVerifier } });
});
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.endAsync(true)));
  await k?.close();
});

async function raw(deviceId: string, secret: string): Promise<MqttClient> {
  const c = await connectAsync(k.gateway.url, { clientId: deviceId, username: deviceId, password: secret, reconnectPeriod: 0, connectTimeout: 5000 });
  clients.push(c);
  return c;
}

const envelope = (deviceId: string, data: unknown, mid: string = randomUUID(), extra: Record<string, unknown> = {}) =>
  JSON.stringify({ mid, from: deviceId, to: APP_ID, time: Math.floor(Date.now() / 1000), action: 300, data, ...extra });

async function count(table: string, deviceId: string): Promise<number> {
  const [r] = await k.sql<{ n: number }>(`select count(*)::int as n from ${table} where device_id = ?`, [deviceId]);
  return r?.n ?? 0;
}

describe('broker authentication and topic ACL against the device registry', () => {
  it('refuses a wrong secret and an unknown device; accepts the registered secret, which is stored hashed', async () => {
    const { id, secret } = await k.addDevice();
    await expect(raw(id, `${secret}x`)).rejects.toThrow();
    await expect(raw(`unknown-${randomUUID().slice(0, 6)}`, secret)).rejects.toThrow();
    const ok = await raw(id, secret);
    expect(ok.connected).toBe(true);
    const [row] = await k.sql<{ secret_hash: string }>('select secret_hash from device where id = ?', [id]);
    expect(row?.secret_hash.startsWith('scrypt$')).toBe(true);
    expect(row?.secret_hash.includes(secret)).toBe(false);
    await eventually(async () => (await k.sql<{ online: boolean }>('select online from device where id = ?', [id]))[0]?.online === true, 'online');
  });

  it('runs the same scrypt for an unknown device id and a malformed stored hash as for a registered door, so timing tells nothing', async () => {
    const { id, secret } = await k.addDevice();
    const broken = await k.addDevice();
    await k.sql(`update device set secret_hash = 'scrypt$not-a-hash' where id = ?`, [broken.id]);
    const attempts: [string, string, boolean][] = [
      [id, secret, true],
      [id, `${secret}x`, false],
      [`unknown-${randomUUID().slice(0, 6)}`, secret, false],
      [broken.id, broken.secret, false],
    ];
    for (const [deviceId, password, accepted] of attempts) {
      scrypts.length = 0;
      const login = raw(deviceId, password);
      if (accepted) await login;
      else await expect(login).rejects.toThrow(/Bad username or password/);
      expect(scrypts, deviceId).toEqual([SCRYPT_PARAMS]);
    }
  });

  it('a device cannot read another device’s down topic nor publish as another device', async () => {
    const a = await k.addDevice();
    const b = await k.addDevice();
    const ca = await raw(a.id, a.secret);
    await expect(ca.subscribeAsync(downTopic(b.id), { qos: 1 })).rejects.toThrow();
    await expect(ca.subscribeAsync('acs/+/down', { qos: 1 })).rejects.toThrow();
    // Publishing to b's up topic closes a's connection and stores nothing.
    const closed = new Promise<void>((r) => ca.once('close', () => r()));
    ca.publish(upTopic(b.id), envelope(b.id, { cmd: 'device_status_update', payload: { status: 1 } }), { qos: 1 });
    await closed;
    const [row] = await k.sql<{ door_status: number | null }>('select door_status from device where id = ?', [b.id]);
    expect(row?.door_status).toBeNull();
  });
});

describe('hostile and malformed device messages change nothing', () => {
  it('drops bad JSON, wrong types, unknown cmd, a forged sender and a huge payload, and keeps serving the device', async () => {
    const { id, secret } = await k.addDevice();
    const c = await raw(id, secret);
    const acks: string[] = [];
    await c.subscribeAsync(downTopic(id), { qos: 1 });
    c.on('message', (_t, p) => acks.push((JSON.parse(p.toString()) as { mid: string }).mid));
    const up = (body: string | Buffer) => c.publishAsync(upTopic(id), body, { qos: 1 });
    await up('{not json');
    await up(Buffer.from([0xff, 0xfe, 0x00]));
    await up(envelope(id, { cmd: 'access_data_upload', payload: { users: [{ user_id: '1; drop table person', user_type: 0, access_type: 'fa', access_time: 1 }] } }));
    await up(envelope(id, { cmd: 'access_data_upload', payload: { users: [{ user_id: 5, user_type: 7, access_type: 'fa', access_time: 1 }] } }));
    await up(envelope(id, { cmd: 'user_sync_check', payload: { size: -1, hash: 'abc', reason: 0 } }));
    await up(envelope(id, { cmd: 'rm_rf', payload: {} }));
    await up(envelope(id, { cmd: 'device_status_update', payload: { status: 1 } }, randomUUID(), { from: 'someone-else' }));
    await up(envelope(id, { cmd: 'device_status_update', payload: { status: 1 } }, randomUUID(), { action: 500 }));
    await up(envelope(id, { cmd: 'access_capture', payload: { capture_data: 'A'.repeat(2 * 1024 * 1024), capture_time: 1 } }));
    await up(envelope(id, { cmd: 'feature_error', payload: { error_list: [{ user_id: 1, feature_type: 'zz', index: 0, status: 1 }] } }));
    // A valid message afterwards is handled: the gateway survived and did not act on the rest.
    const mid = randomUUID();
    await up(envelope(id, { cmd: 'device_status_update', payload: { status: 1 } }, mid));
    await eventually(async () => acks.includes(mid), 'the ack of the valid message');
    expect(acks).toEqual([mid]);
    for (const t of ['access_event', 'device_check', 'device_capture', 'device_feature_error']) expect(await count(t, id)).toBe(0);
    const [row] = await k.sql<{ door_status: number }>('select door_status from device where id = ?', [id]);
    expect(row?.door_status).toBe(1);
  });
});

describe('door events and reports', () => {
  it('stores access events once under re-sends and acknowledges every upload with its mid', async () => {
    const { id, secret } = await k.addDevice();
    const c = await raw(id, secret);
    const acks: string[] = [];
    await c.subscribeAsync(downTopic(id), { qos: 1 });
    c.on('message', (_t, p) => acks.push((JSON.parse(p.toString()) as { mid: string; data: { cmd: string } }).mid));
    const users = [
      { user_id: 11, user_type: 0, access_type: 'fa', access_time: 1_700_000_000 },
      { user_id: 12, user_type: 0, access_type: 'card', access_time: 1_700_000_005 },
    ];
    const mid = randomUUID();
    await c.publishAsync(upTopic(id), envelope(id, { cmd: 'access_data_upload', payload: { users } }, mid), { qos: 1 });
    await c.publishAsync(upTopic(id), envelope(id, { cmd: 'access_data_upload', payload: { users } }, mid), { qos: 1 });
    // The same events in another batch (the device re-uploaded them after a lost ack).
    const mid2 = randomUUID();
    await c.publishAsync(upTopic(id), envelope(id, { cmd: 'access_data_upload', payload: { users: [...users, { ...users[0], access_time: 1_700_000_009 }] } }, mid2), { qos: 1 });
    await eventually(async () => acks.filter((m) => m === mid).length === 2 && acks.includes(mid2), 'three acks');
    expect(await count('access_event', id)).toBe(3);
  });

  it('the simulator’s events, door state, a capture and feature errors end up stored', async () => {
    const c = `Career-${randomUUID().slice(0, 8)}`;
    await k.addPeople(c, 3);
    const { id, secret } = await k.addDevice({ careers: [c], model: { userSyncSize: 3 } });
    const d = await k.startDevice(id, secret, { eventResendMs: 300 });
    await eventually(async () => d.users().length === 3, 'people on the device');
    // One per held user: (device, user, type, second) is the event's identity.
    expect(d.generateAccessEvents(3)).toBe(3);
    d.flushEvents();
    d.setDoorState(1);
    await eventually(async () => d.unacknowledgedEvents() === 0 && d.doorStatusAcknowledged(), 'acks');
    expect(await count('access_event', id)).toBe(3);
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
    const userId = d.users()[0]?.userId as number;
    await d.uploadCapture(jpeg, { userId, at: new Date(1_700_000_100_000) });
    await d.reportFeatureErrors([{ user_id: userId, feature_type: 'fa', feature_value: 'AIhz', feature_length: 394858, index: 0, status: 2 }]);
    await eventually(async () => (await count('device_capture', id)) === 1 && (await count('device_feature_error', id)) === 1, 'capture and feature error');
    const [cap] = await k.sql<{ blob_key: string; bytes: number; content_type: string }>('select blob_key, bytes, content_type from device_capture where device_id = ?', [id]);
    expect(cap).toMatchObject({ bytes: jpeg.length, content_type: 'image/jpeg' });
    expect(cap?.blob_key).toMatch(/^[0-9a-f]{64}\.jpg$/);
    const [door] = await k.sql<{ door_status: number }>('select door_status from device where id = ?', [id]);
    expect(door?.door_status).toBe(1);
  });
});
