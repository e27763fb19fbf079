import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres';
import { startTemporalDevServer } from '../src/dev/temporal-dev-server';
import { resolveTemporalBinary } from '../src/dev/temporal-binary';
import { freePort } from '../src/dev/free-ports';
import { initOrm, migrateUp } from '../src/db/orm';
import { startHikCentralSimulator, type HikCentralSimulator } from '../src/targets/hikcentral/simulator/simulator';

export const BENCH_APP_KEY = 'bench-key';
export const BENCH_APP_SECRET = 'bench-secret-0123456789';

export interface BenchStack {
  databaseUrl: string;
  temporalAddress: string;
  orm: MikroORM;
  temporal: Client;
  simulator: HikCentralSimulator;
  close(): Promise<void>;
}

/** The same real services as `npm start`, on free ports in a throw-away directory. */
export async function startBenchStack(): Promise<BenchStack> {
  const dir = mkdtempSync(join(tmpdir(), 'gatesync-bench-'));
  chmodSync(dir, 0o711);
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: await freePort(), database: 'gatesync', password: randomBytes(18).toString('base64url') });
  const orm = await initOrm(pg.url, { pool: { min: 0, max: 5 } });
  await migrateUp(orm);
  const binary = resolveTemporalBinary();
  if (binary.path === undefined) throw new Error('no Temporal CLI binary');
  const server = await startTemporalDevServer({
    binary: binary.path,
    port: await freePort(),
    uiPort: await freePort(),
    dbFile: join(dir, 'temporal.sqlite'),
    namespace: 'default',
  });
  const connection = await Connection.connect({ address: server.address });
  const temporal = new Client({ connection });
  const simulator = await startHikCentralSimulator({
    appKey: BENCH_APP_KEY,
    appSecret: BENCH_APP_SECRET,
    orgs: [
      { orgIndexCode: '1', orgName: 'Root', parentOrgIndexCode: '0' },
      { orgIndexCode: '2', orgName: 'Students', parentOrgIndexCode: '1' },
    ],
  });
  return {
    databaseUrl: pg.url,
    temporalAddress: server.address,
    orm,
    temporal,
    simulator,
    async close() {
      await simulator.close();
      await connection.close();
      await orm.close(true);
      await server.stop();
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(pg.dataDir, { recursive: true, force: true });
    },
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Peak resident set size of the worker process so far (VmHWM), in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/** The worker in its own process, so its memory is measured alone. */
export async function startWorkerProcess(stack: BenchStack, taskQueue: string, workflowBundlePath: string): Promise<WorkerProcess> {
  // The production worker entry (`npm run worker`), so the figure is the real worker's memory.
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'src', 'worker', 'main.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueue,
      HIKCENTRAL_URL: stack.simulator.url,
      HIKCENTRAL_APP_KEY: BENCH_APP_KEY,
      HIKCENTRAL_APP_SECRET: BENCH_APP_SECRET,
      HIKCENTRAL_ORG_INDEX_CODE: '2',
      LOG_LEVEL: 'info',
      GATESYNC_WORKFLOW_BUNDLE: workflowBundlePath,
      GATESYNC_SECRET_KEY: randomBytes(32).toString('hex'),
      MQTT_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      if (b.toString().includes('"msg":"worker started"')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
  });
  const { readFileSync } = await import('node:fs');
  return {
    child,
    peakRssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return kb / 1024;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
