import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceGateway } from '../../src/devices/device-gateway';
import { registerDevice } from '../../src/devices/device-registry';
import { verifyDeviceSecret } from '../../src/devices/device-secret';
import { expectedHash, rows } from '../../src/devices/device-people';
import { startBroker, type CloudBroker } from '../../src/targets/cloud/broker';
import { SimulatedDevice } from '../../src/targets/cloud/device-simulator';
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
      authenticate: async (deviceId, secret) => {
        const [row] = await rows<{ secret_hash: string }>(db, 'select secret_hash from device where id = ?', [deviceId]);
        return row !== undefined && (await verifyDeviceSecret(secret, row.secret_hash));
      },
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
});
