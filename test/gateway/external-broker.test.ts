import { randomUUID } from 'node:crypto';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceGateway } from '../../src/gateway/device-gateway';
import { registerDevice } from '../../src/db/repositories/devices/device-registry';
import { DeviceSecretVerifier } from '../../src/security/device-secret';
import { registryAuthenticator } from '../../src/gateway/device-authenticator';
import { expectedHash, rows } from '../../src/db/repositories/devices/device-people';
import { startBroker, type CloudBroker } from '../../src/targets/devices/client/broker';
import { SimulatedDevice } from '../../src/targets/devices/simulator/simulator';
import { downTopic, upTopic } from '../../src/targets/devices/protocol/topics';
import { startServices, type RunningWorker, type Services } from '../helpers/services';
import { APP_ID, GATEWAY, TEST_SYNC_DEFAULTS, addPeople, eventually, logger } from './device-harness';

/**
 * MQTT_URL: gatesync as a client of a broker it does not run (here a second, separate broker on
 * its own port standing in for Mosquitto). Without session hooks, a device that publishes is online.
 */
describe('device gateway on an external broker (MQTT_URL)', () => {
  let s: Services;
  let broker: CloudBroker;
  let gateway: DeviceGateway;
  let worker: RunningWorker;
  const devices: SimulatedDevice[] = [];
  beforeAll(async () => {
    s = await startServices();
    const db = s.orm.em.getKnex();
    broker = await startBroker({
      port: 0,
      host: '127.0.0.1',
      logger,
      gatewayCredentials: GATEWAY,
      authenticate: registryAuthenticator(db, await DeviceSecretVerifier.create()),
    });
    const taskQueue = s.taskQueue();
    gateway = await DeviceGateway.start({
      orm: s.orm,
      databaseUrl: s.databaseUrl,
      temporal: s.temporal,
      taskQueue,
      syncDefaults: TEST_SYNC_DEFAULTS,
      logger,
      dataDir: s.dataDir,
      mqtt: { url: broker.url, host: '127.0.0.1', port: 0, ...GATEWAY, appId: APP_ID, requestTimeoutMs: 1000 },
    });
    worker = await s.startWorker(taskQueue, { devices: { link: gateway.client, requestTimeoutMs: 1000 } });
  });
  afterAll(async () => {
    await Promise.allSettled(devices.map((d) => d.stop()));
    await worker?.stop();
    await gateway?.close();
    await broker?.close();
    await s?.close();
  });

  it('should embed no broker, mark a device online when it speaks, and sync it', async () => {
    expect(gateway.broker).toBeUndefined();
    const career = `Ext-${randomUUID().slice(0, 8)}`;
    const users = await addPeople(s.orm, career, 4);
    const { id, secret } = await registerDevice(s.orm.em.getKnex(), { id: `ext-${randomUUID().slice(0, 8)}`, name: 'external', careers: [career] });
    const [before] = await rows<{ online: boolean }>(s.orm.em.getKnex(), 'select online from device where id = ?', [id]);
    expect(before?.online).toBe(false);
    const d = new SimulatedDevice({ deviceId: id, secret, url: broker.url, appId: APP_ID, logger });
    devices.push(d);
    // The device sends user_sync_check when it connects (digest §2): that message is what marks it online.
    await d.start();
    await eventually(
      async () => {
        const e = await expectedHash(s.orm.em.getKnex(), id);
        return e.size === d.users().length && e.hash === d.hash() && d.users().length === users.length;
      },
      'the device to hold its four people',
      30_000,
    );
    const presence = await rows<{ online: boolean; reason: string }>(s.orm.em.getKnex(), 'select online, reason from device_presence where device_id = ? order by at', [id]);
    expect(presence).toEqual([{ online: true, reason: 'message' }]);
  });

  it('given a device deleted while its session lasts (this broker cannot be told to drop it), should neither store nor acknowledge what it sends', async () => {
    const db = s.orm.em.getKnex();
    const id = `ext-${randomUUID().slice(0, 8)}`;
    const { secret } = await registerDevice(db, { id, name: 'revoked' });
    const c = await connectAsync(broker.url, { clientId: id, username: id, password: secret, reconnectPeriod: 0 });
    const acks: string[] = [];
    await c.subscribeAsync(downTopic(id), { qos: 1 });
    c.on('message', (_t, p) => acks.push((JSON.parse(p.toString()) as { mid: string }).mid));
    const up = (data: unknown, mid: string = randomUUID()) =>
      c.publishAsync(upTopic(id), JSON.stringify({ mid, from: id, to: APP_ID, time: Math.floor(Date.now() / 1000), action: 300, data }), { qos: 1 });
    try {
      await rows(db, 'delete from device where id = ?', [id]);
      const events = randomUUID();
      await up({ cmd: 'access_data_upload', payload: { users: [{ user_id: 7, user_type: 0, access_type: 'fa', access_time: 1_700_000_000 }] } }, events);
      await up({ cmd: 'device_status_update', payload: { status: 1 } });
      await up({ cmd: 'access_capture', payload: { capture_data: Buffer.from([0xff, 0xd8, 0xff]).toString('base64'), capture_time: 1_700_000_001 } });
      // The gateway handles one device's messages in order: once a door under the same id (registered again) gets
      // its ack, everything before it was handled.
      await registerDevice(db, { id, name: 'registered again' });
      const sentinel = randomUUID();
      await up({ cmd: 'device_status_update', payload: { status: 0 } }, sentinel);
      await eventually(async () => acks.includes(sentinel), 'the ack of the re-registered door');
      expect(acks).toEqual([sentinel]);
      for (const table of ['access_event', 'device_capture']) {
        const [n] = await rows<{ n: number }>(db, `select count(*)::int as n from ${table} where device_id = ?`, [id]);
        expect(n?.n, table).toBe(0);
      }
    } finally {
      await c.endAsync(true);
    }
  });
});
