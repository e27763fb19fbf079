import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { SyncOutcome, SyncRun } from '../../src/db/entities';
import {
  cancelSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
  type BulkCareerSyncInput,
  type BulkSyncProgress,
  type BulkSyncResult,
} from '../../src/contracts';
import { startServices, type Services } from '../helpers/services';
import { addPeople, waitFor } from '../helpers/people';

describe('bulkCareerSync workflow (real Temporal, PostgreSQL, HikCentral simulator over HTTP)', () => {
  let s: Services;

  beforeAll(async () => {
    s = await startServices();
  });
  afterAll(async () => {
    await s?.close();
  });

  const start = (taskQueue: string, input: BulkCareerSyncInput): Promise<WorkflowHandleWithFirstExecutionRunId> =>
    s.temporal.workflow.start('bulkCareerSync', { taskQueue, workflowId: `test-bulk-${randomUUID()}`, args: [input] });
  const progress = (h: WorkflowHandle): Promise<BulkSyncProgress> => h.query(progressQuery);
  const career = () => `Career ${randomUUID().slice(0, 8)}`;

  const expectEachAddedOnce = (cis: string[]) => {
    const counters = s.simulator.controls.counters().byPersonCode;
    for (const ci of cis) expect(counters[ci]?.add, `adds of ${ci}`).toBe(1);
  };

  it('given a career with pending people, should sync each one, count outcomes, and record the run', async () => {
    const tq = s.taskQueue();
    await s.startWorker(tq);
    const c = career();
    const people = await addPeople(s.orm, c, 8, { small: [2, 5], noPhoto: [7] });
    const h = await start(tq, { career: c, pacingMs: 10 });
    const result: BulkSyncResult = await h.result();
    // The person without a photo is not pending (nothing to push): 7 of 8.
    expect(result).toMatchObject({ state: 'completed', total: 7, processed: 7 });
    expect(result.counts).toEqual({ synced: 5, alreadyRegistered: 0, photoRejected: 2, failed: 0 });
    expect(result.failures.map((f) => f.ci).sort()).toEqual([people[2]!.ci, people[5]!.ci].sort());
    expect(result.failures.every((f) => f.outcome === 'photoRejected')).toBe(true);
    expectEachAddedOnce([0, 1, 3, 4, 6].map((i) => people[i]!.ci));

    const em = s.orm.em.fork();
    const run = await em.findOneOrFail(SyncRun, { id: result.runId });
    expect(run).toMatchObject({ state: 'completed', total: 7, processed: 7, career: c });
    expect(run.counters).toEqual(result.counts);
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(await em.count(SyncOutcome, { run: run.id })).toBe(7);

    // A second run finds nothing pending except the rejected photos, which are re-tried only if the photo changes.
    const again: BulkSyncResult = await (await start(tq, { career: c, pacingMs: 0 })).result();
    expect(again.total).toBe(2);
    expect(again.counts.photoRejected).toBe(2);
    expectEachAddedOnce([0, 1, 3, 4, 6].map((i) => people[i]!.ci));
  });

  it('should keep requests at least pacingMs apart, start to start', async () => {
    const tq = s.taskQueue();
    await s.startWorker(tq);
    const c = career();
    const people = await addPeople(s.orm, c, 5);
    const h = await start(tq, { career: c, pacingMs: 250 });
    await h.result();
    // When each person's first HikCentral request reached the simulator (its lookup by personCode).
    const arrivals = s.simulator.controls
      .requestLog()
      .filter((r) => r.path === '/resource/v1/person/personCode/personInfo' && people.some((p) => p.ci === r.personCode))
      .map((r) => r.at);
    expect(arrivals).toHaveLength(5);
    // At least pacingMs apart, start to start (measured on arrival: up to 10 ms of loopback and connection jitter).
    for (let i = 1; i < arrivals.length; i++) {
      expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThanOrEqual(240);
    }
    // Not far too slow: bounded over the whole run, not per gap, since one person's work under CPU load can
    // outlast pacingMs on its own (gaps × pacing × 3 + 3 s of slack).
    expect(arrivals.at(-1)! - arrivals[0]!).toBeLessThan((arrivals.length - 1) * 250 * 3 + 3_000);
  });

  it('should pause, resume and cancel on signals, showing the state in progress', async () => {
    const tq = s.taskQueue();
    await s.startWorker(tq);
    const c = career();
    await addPeople(s.orm, c, 30);
    const h = await start(tq, { career: c, pacingMs: 150 });
    await waitFor(async () => (await progress(h)).processed >= 2, 'two people processed');
    await h.signal(pauseSignal);
    const paused = await waitFor(async () => {
      const p = await progress(h);
      return p.state === 'paused' ? p : undefined;
    }, 'paused state');
    await new Promise((r) => setTimeout(r, 600));
    const still = await progress(h);
    expect(still.state).toBe('paused');
    expect(still.processed).toBeLessThanOrEqual(paused.processed + 1);
    expect(still.current).toBeNull();

    await h.signal(resumeSignal);
    await waitFor(async () => (await progress(h)).processed >= still.processed + 2, 'progress after resume');
    const p = await progress(h);
    expect(p.state).toBe('running');
    expect(p.total).toBe(30);
    expect(p.percent).toBeGreaterThan(0);
    expect(p.current?.ci).toMatch(/^\d+$/);

    await h.signal(cancelSignal);
    const result: BulkSyncResult = await h.result();
    expect(result.state).toBe('cancelled');
    expect(result.processed).toBeLessThan(30);
    const run = await s.orm.em.fork().findOneOrFail(SyncRun, { id: result.runId });
    expect(run.state).toBe('cancelled');
  });

  it('given a 429 storm, should pause itself with pausedUntil, then resume at the same person and finish', async () => {
    const tq = s.taskQueue();
    await s.startWorker(tq);
    const c = career();
    const people = await addPeople(s.orm, c, 6);
    s.simulator.controls.startRateLimitStorm({ requests: 4, retryAfterSeconds: 1 });
    const h = await start(tq, { career: c, pacingMs: 0, busyPauseMs: 800 });
    const paused = await waitFor(async () => {
      const p = await progress(h);
      return p.state === 'pausedOnBusy' ? p : undefined;
    }, 'pausedOnBusy');
    expect(paused.pausedUntil).not.toBeNull();
    expect(paused.lastError).toMatch(/0x02401009|http-429/);
    const result: BulkSyncResult = await h.result();
    expect(result.state).toBe('completed');
    expect(result.counts.synced).toBe(6);
    expect(result.counts.failed).toBe(0);
    expectEachAddedOnce(people.map((p) => p.ci));
  });

  it('should continue as new under a low history threshold, carrying cursor and counters', async () => {
    const tq = s.taskQueue();
    await s.startWorker(tq);
    const c = career();
    const people = await addPeople(s.orm, c, 12, { small: [4] });
    const h = await start(tq, { career: c, pacingMs: 0, continueAsNewAfterEvents: 40, pageSize: 5 });
    const result: BulkSyncResult = await h.result();
    expect(result).toMatchObject({ state: 'completed', total: 12, processed: 12 });
    expect(result.counts).toEqual({ synced: 11, alreadyRegistered: 0, photoRejected: 1, failed: 0 });
    expect(result.failures.map((f) => f.ci)).toEqual([people[4]!.ci]);
    const desc = await s.temporal.workflow.getHandle(h.workflowId).describe();
    expect(desc.runId).not.toBe(h.firstExecutionRunId);
    const runs = await s.orm.em.fork().find(SyncRun, { workflowId: h.workflowId });
    expect(runs).toHaveLength(1);
    expectEachAddedOnce(people.filter((_, i) => i !== 4).map((p) => p.ci));
  });

  it('given a worker stopped mid-run and replaced, should end with every person synced exactly once', async () => {
    const tq = s.taskQueue();
    const first = await s.startWorker(tq);
    const c = career();
    const people = await addPeople(s.orm, c, 14);
    const h = await start(tq, { career: c, pacingMs: 60 });
    await waitFor(async () => (await progress(h)).processed >= 4, 'four people processed');
    await first.stop();
    const mid = s.simulator.controls.counters().byPersonCode;
    const addedBeforeRestart = people.filter((p) => (mid[p.ci]?.add ?? 0) > 0).length;
    expect(addedBeforeRestart).toBeLessThan(14);
    await s.startWorker(tq);
    const result: BulkSyncResult = await h.result();
    expect(result.state).toBe('completed');
    expect(result.processed).toBe(14);
    expect(result.counts.failed).toBe(0);
    expect(result.counts.synced + result.counts.alreadyRegistered).toBe(14);
    expectEachAddedOnce(people.map((p) => p.ci));
  });

  it('given a run with failures, a retry run should go over just the failed people', async () => {
    const tq = s.taskQueue();
    await s.startWorker(tq);
    const c = career();
    const people = await addPeople(s.orm, c, 5);
    // Permanent failure for everybody: the simulator refuses the org while misconfigured.
    s.simulator.controls.setServerErrorRate(1);
    const first: BulkSyncResult = await (await start(tq, { career: c, pacingMs: 0, transientRunLimit: 100 })).result();
    s.simulator.controls.setServerErrorRate(0);
    expect(first.counts.failed).toBe(5);
    const retry: BulkSyncResult = await (await start(tq, { career: c, pacingMs: 0, retryOfRunId: first.runId })).result();
    expect(retry).toMatchObject({ state: 'completed', total: 5, processed: 5 });
    expect(retry.counts.synced).toBe(5);
    expectEachAddedOnce(people.map((p) => p.ci));
  });
});
