import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createLogger } from '../../src/logger';
import { DeviceGateway, type DeviceGatewayOptions } from '../../src/gateway/device-gateway';
import { registerDevice, type NewDevice } from '../../src/db/repositories/devices/device-registry';
import { expectedHash, rows } from '../../src/db/repositories/devices/device-people';
import { SimulatedDevice, type SimulatedDeviceOptions } from '../../src/targets/devices/simulator/simulator';
import { signalDeviceSync, type DeviceSyncDefaults } from '../../src/temporal-client/devices';
import { startServices, type RunningWorker, type Services } from '../helpers/services';
import { deviceResyncSignal, deviceSyncProgressQuery, deviceSyncWorkflowId, type DeviceSyncProgress } from '../../src/contracts';
import { waitFor } from '../helpers/wait';

export const APP_ID = 'gatesync';
export const GATEWAY = { username: 'gatesync-gw', password: 'gw-secret-for-tests-0123456789' };
export const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

/** A career name of its own for one test. */
export const newCareer = (prefix = 'Career'): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Short pauses so the protocol's minutes become seconds in tests. */
export const TEST_SYNC_DEFAULTS: DeviceSyncDefaults = { busyPauseMs: 1500, pushBudgetMs: 2000, idleRecheckMs: 60_000, offlineRecheckMs: 3000 };

export interface DeviceStack {
  s: Services;
  gateway: DeviceGateway;
  taskQueue: string;
  worker: RunningWorker;
  devices: SimulatedDevice[];
  restartWorker(): Promise<void>;
  addDevice(d?: Partial<NewDevice>): Promise<{ id: string; secret: string }>;
  startDevice(id: string, secret: string, opts?: Partial<SimulatedDeviceOptions>): Promise<SimulatedDevice>;
  addPeople(career: string, n: number): Promise<number[]>;
  expected(deviceId: string): Promise<{ size: number; hash: string }>;
  /**
   * Waits until the device holds exactly what the database says it should (size and XOR hash) and gatesync has
   * taken in the answers: the device applies a batch before it answers, so its state alone runs ahead of the queue.
   */
  inSync(deviceId: string, d: SimulatedDevice, timeoutMs?: number): Promise<void>;
  /** The device's `deviceSync` workflow progress query. */
  progress(deviceId: string): Promise<DeviceSyncProgress>;
  /** What the API's POST /resync does: the `deviceResync` signal to the device's entity workflow. */
  requestResync(deviceId: string): Promise<void>;
  sql<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * Real PostgreSQL, real Temporal, the real embedded MQTT broker over TCP, the gateway and one worker. `services`:
 * run on services the caller already has (e.g. the replay test's); `close()` then leaves them open.
 */
export async function startDeviceStack(
  opts: {
    syncDefaults?: Partial<DeviceSyncDefaults>;
    requestTimeoutMs?: number;
    services?: Services;
    gateway?: Partial<Pick<DeviceGatewayOptions, 'listenerRetryMs' | 'sessionRecheckMs' | 'secretVerifier'>>;
  } = {},
): Promise<DeviceStack> {
  const s = opts.services ?? (await startServices());
  const taskQueue = s.taskQueue();
  const requestTimeoutMs = opts.requestTimeoutMs ?? 1000;
  const syncDefaults = { ...TEST_SYNC_DEFAULTS, ...opts.syncDefaults };
  const gateway = await DeviceGateway.start({
    orm: s.orm,
    databaseUrl: s.databaseUrl,
    temporal: s.temporal,
    taskQueue,
    syncDefaults,
    logger,
    dataDir: s.dataDir,
    mqtt: { host: '127.0.0.1', port: 0, ...GATEWAY, appId: APP_ID, requestTimeoutMs },
    ...opts.gateway,
  });
  const startWorker = () => s.startWorker(taskQueue, { devices: { link: gateway.client, requestTimeoutMs } });
  const devices: SimulatedDevice[] = [];
  const stack: DeviceStack = {
    s,
    gateway,
    taskQueue,
    worker: await startWorker(),
    devices,
    async restartWorker() {
      await stack.worker.stop();
      stack.worker = await startWorker();
    },
    async addDevice(d = {}) {
      const id = d.id ?? `dev-${randomUUID().slice(0, 8)}`;
      return registerDevice(s.orm.em.getKnex(), { name: id, careers: [], ...d, id });
    },
    async startDevice(id, secret, o = {}) {
      const dev = new SimulatedDevice({ deviceId: id, secret, url: gateway.url, appId: APP_ID, logger, eventBatchMs: 200, ...o });
      devices.push(dev);
      await dev.start();
      return dev;
    },
    async addPeople(career, n) {
      return addPeople(s.orm, career, n);
    },
    expected: (deviceId) => expectedHash(s.orm.em.getKnex(), deviceId),
    async inSync(deviceId, d, timeoutMs = 20_000) {
      await eventually(
        async () => {
          const e = await stack.expected(deviceId);
          const [q] = await stack.sql<{ n: number }>('select count(*)::int as n from device_sync_op where device_id = ?', [deviceId]);
          return e.size === d.users().length && e.hash === d.hash() && q?.n === 0;
        },
        `${deviceId} to equal the database`,
        timeoutMs,
      );
    },
    progress: (deviceId) => s.temporal.workflow.getHandle(deviceSyncWorkflowId(deviceId)).query(deviceSyncProgressQuery),
    requestResync: (deviceId) =>
      signalDeviceSync({ temporal: s.temporal, taskQueue, defaults: syncDefaults }, deviceId, deviceResyncSignal, { reason: 'manual' }),
    sql: <T>(q: string, params: unknown[] = []) => rows<T>(s.orm.em.getKnex(), q, params),
    async close() {
      await Promise.allSettled(devices.map((d) => d.stop()));
      await stack.worker.stop().catch(() => undefined);
      await gateway.close();
      if (opts.services === undefined) await s.close();
    },
  };
  return stack;
}

/** People of one career, inserted in one statement (the person triggers enqueue them per device). */
export async function addPeople(orm: MikroORM, career: string, n: number, active = true): Promise<number[]> {
  const db = orm.em.getKnex();
  await db.raw(
    `insert into career (id, created_at, updated_at, name) select gen_random_uuid(), now(), now(), ? where not exists (select 1 from career where name = ?)`,
    [career, career],
  );
  const prefix = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
  const r = await rows<{ user_id: number }>(
    db,
    `insert into person (id, created_at, updated_at, ci, given_name, family_name, second_family_name, career_id, kind, active)
     select gen_random_uuid(), now(), now(), ? || lpad(g::text, 7, '0'), 'Given' || g, 'Family', null, (select id from career where name = ?), 'student', ?
     from generate_series(1, ?) g returning user_id`,
    [prefix, career, active, n],
  );
  return r.map((x) => x.user_id).sort((a, b) => a - b);
}

export function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  return waitFor(check, what, { timeoutMs, retryErrors: true });
}
