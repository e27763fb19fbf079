import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createLogger } from '../src/logger';
import { createActivities } from '../src/activities';
import { WORKFLOWS_PATH } from '../src/worker/worker';
import { DeviceGateway } from '../src/gateway/device-gateway';
import { registerDevice } from '../src/db/repositories/devices/device-registry';
import { desiredPage, expectedHash, rows, upsertEntry, type Db, type DesiredRow } from '../src/db/repositories/devices/device-people';
import { signalDeviceSync } from '../src/temporal-client/devices';
import { SimulatedDevice } from '../src/targets/devices/simulator/simulator';
import { deviceFullResyncWorkflowId, deviceResyncSignal, deviceSyncWorkflowId } from '../src/contracts';
import { FaceIndexStore } from '../src/photos/face-index-store';
import { DEFAULT_PHOTO_SETTINGS, TARGET_PROFILES } from '../src/photos/photo-settings';
import { TerminalClients } from '../src/activities/terminals/terminal-clients';
import { SecretBox } from '../src/security/secret-box';
import { HikCentralClient } from '../src/targets/hikcentral/client/client';
import { BENCH_APP_KEY, BENCH_APP_SECRET, startBenchStack } from './stack';
import { DeviceThread } from './device-thread';
import { hashesEqual } from '../src/targets/devices/protocol/xor-hash';

export interface DevicesBenchFigures {
  latencyMs: number;
  resync: { size: number; users: number; batches: number; rttMs: number; wallMs: number; streamMs: number; ratio: number }[];
  ingestion: { events: number; devices: number; wallMs: number; perSec: number };
  hash: { devices: number; users: number; wallMs: number };
  pages: { careers: number; statistics: boolean; page100Ms: number; page1000Ms: number }[];
}

/** BENCH_DEVICE_TRACE=1: where the start of a resync goes, from both workflows' histories (ms after the signal). */
async function traceResync(temporal: Client, deviceId: string, startedAt: number, log: (m: string) => void): Promise<void> {
  for (const wid of [deviceSyncWorkflowId(deviceId), deviceFullResyncWorkflowId(deviceId)]) {
    const history = await temporal.workflow.getHandle(wid).fetchHistory();
    const line = (history.events ?? [])
      .map((e) => {
        const at = e.eventTime ? Number(e.eventTime.seconds ?? 0) * 1000 + Math.round((e.eventTime.nanos ?? 0) / 1e6) : 0;
        // Each event carries exactly one `…EventAttributes`: its name is the event's type.
        const attributes = Object.entries(e).find(([k, v]) => k.endsWith('EventAttributes') && v !== null && v !== undefined)?.[0];
        const type = attributes?.replace(/EventAttributes$/, '') ?? String(e.eventType);
        return { at: at - startedAt, type };
      })
      .filter((e) => e.at >= -5 && e.at < 2000)
      .slice(0, 16)
      .map((e) => `${e.at}:${e.type}`)
      .join(' ');
    log(`  ${wid}: ${line}`);
  }
}

/** Cores this process (gateway, broker, worker, device thread) kept busy since `since`, over `wallMs`. */
function cpuCores(since: NodeJS.CpuUsage, wallMs: number): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000 / wallMs;
}

/**
 * A resync's page read (`desiredPage`) for devices of 1, 5 and 50 careers, before `analyze` has seen the people just
 * loaded and after: 30,000 more people over 50 careers of 600, next to the 10,000 of one career.
 */
async function benchPages(db: Db, log: (m: string) => void): Promise<DevicesBenchFigures['pages']> {
  const K = 50;
  await db.raw(`insert into career (id, created_at, updated_at, name) select gen_random_uuid(), now(), now(), 'Page ' || g from generate_series(1, ?) g`, [K]);
  await db.raw(
    `insert into person (id, created_at, updated_at, ci, given_name, family_name, career_id, kind, active)
     select gen_random_uuid(), now(), now(), 'P' || lpad(g::text, 9, '0'), 'Given' || g, 'Family', (select id from career where name = 'Page ' || (1 + g % ?)), 'student', true
     from generate_series(1, 30000) g`,
    [K],
  );
  const devices = [
    { careers: 1, names: ['Bench'] },
    { careers: 5, names: [1, 2, 3, 4, 5].map((g) => `Page ${g}`) },
    { careers: K, names: Array.from({ length: K }, (_, g) => `Page ${g + 1}`) },
  ];
  for (const d of devices) {
    await db.raw(`insert into device (id, created_at, updated_at, name, secret_hash, model, careers) values (?, now(), now(), ?, 'none', '{}'::jsonb, ?::jsonb)`, [
      `bench-page-${d.careers}`,
      `page ${d.careers}`,
      JSON.stringify(d.names),
    ]);
  }
  const best = async (deviceId: string, limit: number): Promise<number> => {
    // After the first 5,000 user ids; the best of three (the first pays for the plan).
    let min = Infinity;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await desiredPage(db, deviceId, 5_000, limit);
      min = Math.min(min, performance.now() - t);
    }
    return min;
  };
  const out: DevicesBenchFigures['pages'] = [];
  for (const statistics of [false, true]) {
    if (statistics) await db.raw('analyze person');
    for (const d of devices) {
      const f = { careers: d.careers, statistics, page100Ms: await best(`bench-page-${d.careers}`, 100), page1000Ms: await best(`bench-page-${d.careers}`, 1000) };
      out.push(f);
      log(`page read, ${d.careers} career(s), ${statistics ? 'after' : 'before'} analyze: 100 rows ${f.page100Ms.toFixed(1)} ms, 1,000 rows ${f.page1000Ms.toFixed(1)} ms`);
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * bench/devices: full resync of `users` people at user_sync_size 1, 10, 100 against the simulator
 * (wall ÷ (batches × simulator round trip)); access-event ingestion into PostgreSQL; the XOR-hash expectation
 * of `hashDevices` devices × `users` people. Everything real: PostgreSQL, Temporal, MQTT over TCP.
 */
export async function benchDevices(o: { users: number; latencyMs: number; hashDevices: number; events: number; sizes?: number[]; log: (m: string) => void }): Promise<DevicesBenchFigures> {
  const stack = await startBenchStack();
  const dataDir = mkdtempSync(join(tmpdir(), 'gatesync-bench-devices-'));
  const logger = createLogger('warn', 'bench-devices');
  const taskQueue = `bench-devices-${Date.now()}`;
  const gateway = await DeviceGateway.start({
    orm: stack.orm,
    databaseUrl: stack.databaseUrl,
    temporal: stack.temporal,
    taskQueue,
    syncDefaults: { pushBudgetMs: 10_000 },
    logger,
    dataDir,
    mqtt: { host: '127.0.0.1', port: 0, username: 'gw', password: randomBytes(16).toString('hex'), appId: 'gatesync', requestTimeoutMs: 5000 },
  });
  const native = await NativeConnection.connect({ address: stack.temporalAddress });
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never });
  const hikcentral = new HikCentralClient({ baseUrl: stack.simulator.url, appKey: BENCH_APP_KEY, appSecret: BENCH_APP_SECRET, timeoutMs: 3000 });
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({
      orm: stack.orm,
      hikcentral,
      settings: { orgIndexCode: '2', validityDays: 365, privilegeGroupIds: [], photoProfile: TARGET_PROFILES.hikcentral },
      photos: { settings: DEFAULT_PHOTO_SETTINGS, faces: new FaceIndexStore() },
      terminals: new TerminalClients(new SecretBox(randomBytes(32)), 5000),
      terminalValidityDays: 365,
      terminalCapturePollMs: 3_000,
      devices: { link: gateway.client, requestTimeoutMs: 5000 },
    }),
  });
  const running = worker.run();
  const db = stack.orm.em.getKnex();
  const devices: SimulatedDevice[] = [];
  const threads: DeviceThread[] = [];
  try {
    await db.raw(`insert into career (id, created_at, updated_at, name) values (gen_random_uuid(), now(), now(), 'Bench')`);
    await db.raw(
      `insert into person (id, created_at, updated_at, ci, given_name, family_name, career_id, kind, active)
       select gen_random_uuid(), now(), now(), 'B' || lpad(g::text, 9, '0'), 'Given' || g, 'Family', (select id from career where name = 'Bench'), 'student', true
       from generate_series(1, ?) g`,
      [o.users],
    );

    // ---- full resync at three batch sizes
    const resync: DevicesBenchFigures['resync'] = [];
    for (const size of o.sizes ?? [100, 10, 1]) {
      const id = `bench-resync-${size}`;
      const { secret } = await registerDevice(db, { id, name: id, model: { userSyncSize: size, userCapacity: o.users * 2 } });
      // On its own thread: a real device does its own work, not on the event loop of the gateway it talks to.
      const d = await DeviceThread.start({ deviceId: id, secret, url: gateway.url, latencyMs: o.latencyMs, model: { userCapacity: o.users * 2 }, eventBatchMs: 60_000 });
      threads.push(d);
      // The simulator's round trip for one batch of this size, through the same gateway client, no database.
      // Real entries of the people the resync will send, so the probe's messages are as large as the resync's.
      const sample = (
        await rows<DesiredRow>(
          db,
          `select p.user_id, p.ci, p.given_name, p.family_name, p.second_family_name, c.name as career, '' as version
             from person p join career c on c.id = p.career_id order by p.user_id limit ?`,
          [size],
        )
      ).map(upsertEntry);
      // As many round trips as the resync will make (a short probe ran colder than the resync and overstated the
      // round trip: at size 1, 500 probes gave a ratio of 0.74), after a warm-up (JIT, socket buffers).
      const probes = Math.ceil(o.users / size);
      for (let i = 0; i < 50; i++) await gateway.client.request(id, 'user_sync', { payload: { reset: false, users: sample } });
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < probes; i++) await gateway.client.request(id, 'user_sync', { payload: { reset: false, users: sample } });
      const rttMs = (performance.now() - t0) / probes;
      const probeCores = cpuCores(cpu0, performance.now() - t0);
      await db.raw(`update device set careers = '["Bench"]'::jsonb where id = ?`, [id]);
      await d.mark();
      const started = performance.now();
      const startedAt = Date.now();
      const cpu1 = process.cpuUsage();
      await signalDeviceSync({ temporal: stack.temporal, taskQueue, defaults: { pushBudgetMs: 10_000 } }, id, deviceResyncSignal, { reason: 'manual' });
      for (;;) {
        const [r] = await rows<{ state: string }>(db, 'select state from device_resync where device_id = ?', [id]);
        if (r?.state === 'completed') break;
        await sleep(5);
      }
      const wallMs = performance.now() - started;
      const resyncCores = cpuCores(cpu1, wallMs);
      const batches = Math.ceil(o.users / size);
      const held = await d.state();
      if (held.users !== o.users) throw new Error(`device ${id} holds ${held.users}, expected ${o.users}`);
      const expected = await expectedHash(db, id);
      if (!hashesEqual(expected.hash, held.hash)) throw new Error(`device ${id} hash ${held.hash}, expected ${expected.hash}`);
      const ratio = wallMs / (batches * rttMs);
      const firstAt = held.firstSyncAfterMarkAt ?? startedAt;
      resync.push({ size, users: o.users, batches, rttMs, wallMs, streamMs: wallMs - (firstAt - startedAt), ratio });
      o.log(
        `resync size ${size}: ${batches} batches, rtt ${rttMs.toFixed(2)} ms, wall ${(wallMs / 1000).toFixed(2)} s ` +
          `(first batch after ${firstAt - startedAt} ms), ratio ${ratio.toFixed(3)}; gatesync's own ${((wallMs - batches * rttMs) / batches).toFixed(2)} ms per batch; ` +
          `cores busy in this process: probe ${probeCores.toFixed(2)}, resync ${resyncCores.toFixed(2)}`,
      );
      if (process.env.BENCH_DEVICE_TRACE === '1') await traceResync(stack.temporal, id, startedAt, o.log);
      await d.stop();
      threads.splice(threads.indexOf(d), 1);
    }

    // ---- access-event ingestion
    const fleet = 10;
    const perDevice = Math.ceil(o.events / fleet);
    const sims: SimulatedDevice[] = [];
    for (let i = 0; i < fleet; i++) {
      const id = `bench-events-${i}`;
      const { secret } = await registerDevice(db, { id, name: id });
      const d = new SimulatedDevice({ deviceId: id, secret, url: gateway.url, eventBatchMs: 5, maxEventsPerBatch: 500, eventResendMs: 60_000 });
      devices.push(d);
      sims.push(d);
      await d.start();
      for (let u = 1; u <= 100; u++) d.corruptLocalUser({ userId: u, name: `U${u}` });
    }
    const base = Date.parse('2026-01-05T08:00:00Z');
    for (const d of sims) for (let k = 0; k < perDevice; k++) d.attemptAccess((k % 100) + 1, 'fa', new Date(base + k * 1000));
    const total = perDevice * fleet;
    const t1 = performance.now();
    for (const d of sims) d.flushEvents();
    for (;;) {
      const [r] = await rows<{ n: number }>(db, `select count(*)::int as n from access_event where device_id like 'bench-events-%'`);
      if ((r?.n ?? 0) >= total) break;
      await sleep(10);
    }
    const ingestMs = performance.now() - t1;
    const ingestion = { events: total, devices: fleet, wallMs: ingestMs, perSec: total / (ingestMs / 1000) };
    o.log(`ingestion: ${total} events from ${fleet} devices in ${(ingestMs / 1000).toFixed(2)} s = ${ingestion.perSec.toFixed(0)} events/s`);

    // ---- XOR hash of what each device should hold
    await db.raw(
      `insert into device (id, created_at, updated_at, name, secret_hash, model, careers)
       select 'bench-hash-' || g, now(), now(), 'h' || g, 'none', '{}'::jsonb, '["Bench"]'::jsonb from generate_series(1, ?) g`,
      [o.hashDevices],
    );
    const t2 = performance.now();
    for (let g = 1; g <= o.hashDevices; g++) await expectedHash(db, `bench-hash-${g}`);
    const hashMs = performance.now() - t2;
    o.log(`hash: ${o.hashDevices} devices × ${o.users} users in ${hashMs.toFixed(0)} ms`);

    const pages = await benchPages(db, o.log);
    return { latencyMs: o.latencyMs, resync, ingestion, hash: { devices: o.hashDevices, users: o.users, wallMs: hashMs }, pages };
  } finally {
    await Promise.allSettled([...devices.map((d) => d.stop()), ...threads.map((t) => t.stop())]);
    worker.shutdown();
    await running;
    await gateway.close();
    await hikcentral.close();
    await native.close();
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
