import { randomBytes, randomUUID } from 'node:crypto';
import { Runtime, DefaultLogger, NativeConnection } from '@temporalio/worker';
import { Terminal } from '../src/db/entities';
import { SecretBox } from '../src/security/secret-box';
import { TerminalClients } from '../src/activities/terminals/terminal-clients';
import { FaceIndexStore } from '../src/photos/face-index-store';
import { DEFAULT_PHOTO_SETTINGS, TARGET_PROFILES } from '../src/photos/photo-settings';
import { UPLOAD_MODEL, startIsapiSimulator } from '../src/targets/terminals/simulator/simulator';
import { HikCentralClient } from '../src/targets/hikcentral/client/client';
import { createHikCentralWorker } from '../src/worker/worker';
import type { SyncTerminalResult } from '../src/contracts';
import { BENCH_APP_KEY, BENCH_APP_SECRET, startBenchStack } from './stack';

export interface TerminalSyncFigures {
  users: number;
  latencyMs: number;
  calls: number;
  wallMs: number;
  ratio: number;
  batchSize: number;
}

/**
 * bench/terminal-sync: a full sync of N users onto an empty simulated terminal that
 * answers every request after a fixed latency. Terminals take one request at a time, so the floor is
 * calls × latency; the figure is how close the whole run — planning, database, Temporal — comes to it.
 */
export async function benchTerminalSync(opts: { users: number; latencyMs: number; batchSize: number; log: (m: string) => void }): Promise<TerminalSyncFigures> {
  const stack = await startBenchStack();
  const password = 'bench-terminal-pass';
  const sim = await startIsapiSimulator({
    model: UPLOAD_MODEL,
    modelOverrides: { maxUsers: opts.users * 2 },
    username: 'admin',
    password,
    host: '127.0.0.1',
    latencyMs: opts.latencyMs,
  });
  const secrets = new SecretBox(randomBytes(32));
  const terminals = new TerminalClients(secrets, 30_000);
  const hikcentral = new HikCentralClient({ baseUrl: stack.simulator.url, appKey: BENCH_APP_KEY, appSecret: BENCH_APP_SECRET });
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // installed by an earlier benchmark in this process
  }
  const connection = await NativeConnection.connect({ address: stack.temporalAddress });
  const taskQueue = `bench-terminal-${randomUUID()}`;
  const worker = await createHikCentralWorker({
    connection,
    namespace: 'default',
    taskQueue,
    deps: {
      orm: stack.orm,
      hikcentral,
      settings: { orgIndexCode: '2', validityDays: 365, privilegeGroupIds: [], photoProfile: TARGET_PROFILES.hikcentral },
      photos: { settings: DEFAULT_PHOTO_SETTINGS, faces: new FaceIndexStore() },
      terminals,
      terminalValidityDays: 365,
      terminalCapturePollMs: 3_000,
    },
  });
  const running = worker.run();
  try {
    const career = 'Bench terminal';
    const conn = stack.orm.em.getConnection();
    await conn.execute(`insert into career (id, created_at, updated_at, name) values (gen_random_uuid(), now(), now(), ?)`, [career]);
    await conn.execute(
      `insert into person (id, created_at, updated_at, ci, given_name, family_name, second_family_name, career_id, kind, active)
       select gen_random_uuid(), now(), now(), '7' || lpad(i::text, 7, '0'), 'Given' || i, 'Family', 'Second', (select id from career where name = ?), 'student', true
         from generate_series(1, ?::int) i`,
      [career, opts.users],
    );
    const url = new URL(sim.url);
    const t = new Terminal({ name: 'bench', host: url.hostname, port: Number(url.port), scheme: 'http', username: 'admin', passwordSealed: secrets.seal(password) });
    t.careers = [career];
    await stack.orm.em.fork().persistAndFlush(t);
    await stack.temporal.workflow.execute('readTerminalCapabilities', { taskQueue, workflowId: `bench-probe-${t.id}`, args: [{ terminalId: t.id }] });
    sim.controls.reset();

    const t0 = Date.now();
    const result: SyncTerminalResult = await stack.temporal.workflow.execute('syncTerminal', {
      taskQueue,
      workflowId: `bench-terminal-sync-${t.id}`,
      args: [{ terminalId: t.id, mode: 'full', batchSize: opts.batchSize }],
    });
    const wallMs = Date.now() - t0;
    if (result.counts.added !== opts.users) throw new Error(`added ${result.counts.added} of ${opts.users}`);
    if (sim.controls.users().length !== opts.users) throw new Error(`terminal holds ${sim.controls.users().length}`);
    // Every authenticated request waited `latencyMs` at the terminal (digest challenges did not).
    const log = sim.controls.requestLog();
    const calls = log.filter((r) => r.httpStatus !== 401).length;
    const ratio = wallMs / (calls * opts.latencyMs);
    opts.log(`${opts.users} users, ${calls} calls at ${opts.latencyMs} ms: ${(wallMs / 1000).toFixed(1)} s, floor ${((calls * opts.latencyMs) / 1000).toFixed(1)} s`);
    // Where the time above the floor went: at the terminal (answers after the latency), between answers and
    // the next request (gatesync's side: client, activity, batches), and before the first / after the last.
    const atTerminal = log.reduce((a, r) => a + (r.durationMs ?? 0), 0);
    const gaps = log.slice(1).map((r, i) => r.at - ((log[i] as typeof r).at + ((log[i] as typeof r).durationMs ?? 0)));
    const sorted = [...gaps].sort((a, b) => a - b);
    const between = gaps.reduce((a, g) => a + g, 0);
    const edges = wallMs - atTerminal - between;
    opts.log(
      `  time at the terminal ${(atTerminal / 1000).toFixed(1)} s; between requests ${(between / 1000).toFixed(1)} s ` +
        `(median ${sorted[Math.floor(sorted.length / 2)] ?? 0} ms, p99 ${sorted[Math.floor(sorted.length * 0.99)] ?? 0} ms, ` +
        `${gaps.filter((g) => g > 20).length} over 20 ms); start and finish ${(edges / 1000).toFixed(1)} s`,
    );
    return { users: opts.users, latencyMs: opts.latencyMs, calls, wallMs, ratio, batchSize: opts.batchSize };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await terminals.close();
    await hikcentral.close();
    await sim.close();
    await stack.close();
  }
}
