import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWorkflowBundle } from '../src/worker/build-workflow-bundle';
import sharp from 'sharp';
import { photoVersionOf } from '../src/photos/photo-intake';
import type { BulkSyncResult } from '../src/contracts';
import { startBenchStack, startWorkerProcess, type BenchStack } from './stack';

/**
 * bench/bulk-sync: N people against the simulator at 0 ms latency.
 *  - pacing 0 and 300 ms: per-person orchestration overhead, and wall ÷ (N × pacing) (target ≤ 1.02);
 *  - a large career at pacing 0: peak worker RSS (target ≤ 400 MB) and the largest history of any run
 *    in the continue-as-new chain (target ≤ 10,000 events).
 */
export interface BulkSyncFigures {
  n: number;
  pacing0: { wallMs: number; perPersonMs: number };
  pacing300: { wallMs: number; ratio: number };
  large: { n: number; wallMs: number; perPersonMs: number; peakWorkerRssMb: number; largestHistory: number; runs: number };
}

async function seedCareer(stack: BenchStack, career: string, n: number): Promise<void> {
  const jpeg = await sharp({ create: { width: 420, height: 420, channels: 3, background: '#a07050' } }).jpeg({ quality: 80 }).toBuffer();
  const version = photoVersionOf(jpeg);
  const conn = stack.orm.em.getConnection();
  await conn.execute(`insert into career (id, created_at, updated_at, name) values (gen_random_uuid(), now(), now(), ?)`, [career]);
  const prefix = String(Math.floor(Math.random() * 900) + 100);
  for (let start = 0; start < n; start += 5000) {
    const end = Math.min(n, start + 5000);
    await conn.execute(
      `insert into person (id, created_at, updated_at, ci, given_name, family_name, second_family_name, career_id, kind, active, photo_version)
       select gen_random_uuid(), now(), now(), ? || lpad(i::text, 7, '0'), 'Given' || i, 'Family', 'Second',
              (select id from career where name = ?), 'student', true, ?
         from generate_series(?::int, ?::int) i`,
      [prefix, career, version, start, end - 1],
    );
  }
  await conn.execute(
    `insert into photo (id, created_at, updated_at, person_id, version, format, width, height, byte_size, data)
     select gen_random_uuid(), now(), now(), p.id, ?, 'jpeg', 420, 420, ?, ?
       from person p join career c on c.id = p.career_id where c.name = ?`,
    [version, jpeg.length, jpeg, career],
  );
}

async function resetCareer(stack: BenchStack, career: string): Promise<void> {
  await stack.orm.em
    .getConnection()
    .execute(
      `delete from hikcentral_person_state s using person p, career c where s.person_id = p.id and p.career_id = c.id and c.name = ?`,
      [career],
    );
  stack.simulator.controls.reset();
}

/** Intervals between the requests that open each person's sync, as the simulator received them. */
function lookupGaps(stack: BenchStack): { min: number; mean: number; max: number } {
  const at = stack.simulator.controls
    .requestLog()
    .filter((r) => r.path === '/resource/v1/person/personCode/personInfo')
    .map((r) => r.at);
  const gaps = at.slice(1).map((t, i) => t - at[i]!);
  return { min: Math.min(...gaps), mean: gaps.reduce((a, b) => a + b, 0) / gaps.length, max: Math.max(...gaps) };
}

async function runOnce(stack: BenchStack, taskQueue: string, career: string, pacingMs: number): Promise<{ wallMs: number; result: BulkSyncResult; workflowId: string }> {
  const workflowId = `bench-${randomUUID()}`;
  const t0 = performance.now();
  const result: BulkSyncResult = await stack.temporal.workflow.execute('bulkCareerSync', {
    taskQueue,
    workflowId,
    args: [{ career, pacingMs }],
  });
  return { wallMs: performance.now() - t0, result, workflowId };
}

async function largestHistory(stack: BenchStack, workflowId: string): Promise<{ largest: number; runs: number }> {
  let largest = 0;
  let runs = 0;
  for await (const wf of stack.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runs++;
    largest = Math.max(largest, wf.historyLength);
  }
  return { largest, runs };
}

export async function benchBulkSync(opts: { n: number; largeN: number; log: (m: string) => void }): Promise<BulkSyncFigures> {
  const stack = await startBenchStack();
  const taskQueue = `bench-${randomUUID()}`;
  // A prebuilt bundle, as in production: the worker's memory is then the worker's, not webpack's.
  const bundle = await buildWorkflowBundle(join(tmpdir(), `gatesync-bench-bundle-${taskQueue}.js`));
  const worker = await startWorkerProcess(stack, taskQueue, bundle);
  try {
    const career = 'Bench';
    await seedCareer(stack, career, opts.n);
    // Warm-up: the first run pays the workflow bundle's and connections' first use.
    await runOnce(stack, taskQueue, career, 0);

    await resetCareer(stack, career);
    const p0 = await runOnce(stack, taskQueue, career, 0);
    if (p0.result.counts.synced !== opts.n) throw new Error(`pacing 0: synced ${p0.result.counts.synced} of ${opts.n}`);
    opts.log(`pacing 0: ${opts.n} people in ${(p0.wallMs / 1000).toFixed(1)} s`);

    await resetCareer(stack, career);
    const p300 = await runOnce(stack, taskQueue, career, 300);
    if (p300.result.counts.synced !== opts.n) throw new Error(`pacing 300: synced ${p300.result.counts.synced} of ${opts.n}`);
    const gaps = lookupGaps(stack);
    opts.log(
      `pacing 300: ${opts.n} people in ${(p300.wallMs / 1000).toFixed(1)} s; request start-to-start min ${gaps.min} ms, mean ${gaps.mean.toFixed(1)} ms, max ${gaps.max} ms`,
    );

    const big = 'Bench large';
    await seedCareer(stack, big, opts.largeN);
    const large = await runOnce(stack, taskQueue, big, 0);
    if (large.result.counts.synced !== opts.largeN) throw new Error(`large: synced ${large.result.counts.synced} of ${opts.largeN}`);
    const hist = await largestHistory(stack, large.workflowId);
    const figures: BulkSyncFigures = {
      n: opts.n,
      pacing0: { wallMs: p0.wallMs, perPersonMs: p0.wallMs / opts.n },
      pacing300: { wallMs: p300.wallMs, ratio: p300.wallMs / (opts.n * 300) },
      large: {
        n: opts.largeN,
        wallMs: large.wallMs,
        perPersonMs: large.wallMs / opts.largeN,
        peakWorkerRssMb: worker.peakRssMb(),
        largestHistory: hist.largest,
        runs: hist.runs,
      },
    };
    return figures;
  } finally {
    await worker.stop();
    await stack.close();
  }
}
