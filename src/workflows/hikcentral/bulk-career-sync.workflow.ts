import {
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  allHandlersFinished,
  ContinueAsNew,
  patched,
} from '@temporalio/workflow';
import type { PeopleSource } from '../../db/repositories/hikcentral/people-pages';
import {
  FailureType,
  MAX_FAILURES_IN_RESULT,
  Patches,
  SearchAttributes,
  cancelSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
  type BulkCareerSyncInput,
  type BulkSyncCarried,
  type BulkSyncFailure,
  type BulkSyncProgress,
  type BulkSyncResult,
  type BulkSyncState,
  type PersonRef,
} from '../../contracts';
import { bulkTargetCall, dbWork, targetCall } from '../activity-profiles';
import { failureInfo } from '../failure-info';

/**
 * Start-to-start pacing of HikCentral requests on workflow timers. Between the timer the workflow
 * starts and the next request there is a cost it cannot see in advance (the task that starts the
 * timer, the timer firing a little late, the task that schedules the call, the activity's set-up:
 * ~10-25 ms on the dev server). Each sync reports when its request left (worker clock), so the clock
 * measures that cost as "request − target", keeps a moving average, and starts the next timer that
 * much earlier. When the timer then fires early, the activity holds the request until exactly
 * `pacingMs` after the previous one (`notBeforeMs`), so intervals are never shorter than `pacingMs`
 * and on average only a few ms longer (wall ≤ 1.02 × N × pacing).
 */
class PacingClock {
  private latenessEmaMs: number | null = null;
  private target: number | null = null;
  private lastRequestAt: number | null = null;
  private static readonly ALPHA = 0.2;
  private static readonly MAX_CORRECTION_MS = 100;

  /** The earliest moment the next request may leave: exactly `pacingMs` after the last one. */
  notBefore(pacingMs: number): number | undefined {
    return this.lastRequestAt === null ? undefined : this.lastRequestAt + pacingMs;
  }

  /**
   * This person's request left at `requestAt` after being held `heldMs` for `notBeforeMs`; returns how
   * long to wait before the next one. Lateness is measured to when the call was ready, not when it left,
   * so holding does not feed back into the correction.
   */
  next(requestAt: number, heldMs: number, now: number, pacingMs: number): number {
    this.lastRequestAt = requestAt;
    if (this.target !== null) {
      const lateness = Math.max(0, Math.min(PacingClock.MAX_CORRECTION_MS, requestAt - heldMs - this.target));
      this.latenessEmaMs =
        this.latenessEmaMs === null ? lateness : this.latenessEmaMs + PacingClock.ALPHA * (lateness - this.latenessEmaMs);
    }
    this.target = requestAt + pacingMs - Math.round(this.latenessEmaMs ?? 0);
    return this.target - now;
  }
}

const DEFAULTS = {
  pacingMs: 300,
  busyPauseMs: 5 * 60_000,
  transientRunLimit: 3,
  continueAsNewAfterEvents: 8_000,
  pageSize: 100,
  /** Sync-run row refreshed every this many people (and on every state change). */
  persistEvery: 25,
};

/**
 * Replaces seed 000's browser loop: the pending people of one career, one at a time, requests at
 * least `pacingMs` apart (start to start, on workflow timers), pausing itself when HikCentral is
 * overloaded and resuming at the same person; pause/resume/cancel signals and a `progress` query.
 * Pages through people by cursor and continues as new, so its history stays bounded at any size.
 */
export async function bulkCareerSync(input: BulkCareerSyncInput): Promise<BulkSyncResult> {
  const pacingMs = input.pacingMs ?? DEFAULTS.pacingMs;
  const busyPauseMs = input.busyPauseMs ?? DEFAULTS.busyPauseMs;
  const transientRunLimit = input.transientRunLimit ?? DEFAULTS.transientRunLimit;
  const continueAsNewAfterEvents = input.continueAsNewAfterEvents ?? DEFAULTS.continueAsNewAfterEvents;
  const pageSize = input.pageSize ?? DEFAULTS.pageSize;
  const info = workflowInfo();
  const source: PeopleSource =
    input.retryOfRunId !== undefined ? { kind: 'retry', runId: input.retryOfRunId } : { kind: 'career', career: input.career };

  // Handlers are registered before the first await, so a query never meets an unregistered handler.
  const st: BulkSyncCarried = input.carried ?? {
    runId: '',
    cursor: null,
    total: 0,
    processed: 0,
    counts: { synced: 0, alreadyRegistered: 0, photoRejected: 0, failed: 0 },
    failures: [],
    failuresTruncated: 0,
    paused: false,
    cancelRequested: false,
    lastError: null,
    continuedAsNew: 0,
    appliedPrivileges: false,
  };

  let state: BulkSyncState = st.paused ? 'paused' : 'running';
  let current: PersonRef | null = null;
  let pausedUntil: number | null = null;
  let wakeFromBusyPause = false;

  setHandler(pauseSignal, () => {
    st.paused = true;
  });
  setHandler(resumeSignal, () => {
    st.paused = false;
    // An admin who resumes during a busy pause means "try now".
    wakeFromBusyPause = true;
  });
  setHandler(cancelSignal, () => {
    st.cancelRequested = true;
  });
  setHandler(
    progressQuery,
    (): BulkSyncProgress => ({
      career: input.career,
      total: st.total,
      processed: st.processed,
      percent: st.total > 0 ? Math.min(100, Math.round((st.processed / st.total) * 1000) / 10) : 100,
      current,
      counts: { ...st.counts },
      state: st.cancelRequested && state !== 'cancelled' ? 'cancelling' : state,
      pausedUntil: pausedUntil !== null ? new Date(pausedUntil).toISOString() : null,
      lastError: st.lastError,
      pacingMs,
      continuedAsNew: st.continuedAsNew,
      runId: st.runId,
    }),
  );

  let publishedState: BulkSyncState | null = null;
  const setState = async (next: BulkSyncState, finished = false): Promise<void> => {
    state = next;
    if (publishedState === next && !finished) return;
    publishedState = next;
    upsertSearchAttributes([
      { key: SearchAttributes.career, value: input.career },
      { key: SearchAttributes.state, value: next },
      { key: SearchAttributes.kind, value: input.retryOfRunId !== undefined ? 'retryFailed' : 'bulkCareerSync' },
    ] as never);
    await persist(finished);
  };
  const persist = (finished = false): Promise<void> =>
    dbWork.updateSyncRun({
      runId: st.runId,
      total: st.total,
      processed: st.processed,
      counts: st.counts,
      state,
      lastError: st.lastError,
      finished,
    });

  const addFailure = (f: BulkSyncFailure): void => {
    if (st.failures.length < MAX_FAILURES_IN_RESULT) st.failures.push(f);
    else st.failuresTruncated++;
  };

  const result = (final: 'completed' | 'cancelled'): BulkSyncResult => ({
    career: input.career,
    runId: st.runId,
    state: final,
    total: st.total,
    processed: st.processed,
    counts: { ...st.counts },
    failures: st.failures,
    failuresTruncated: st.failuresTruncated,
  });

  const finish = async (final: 'completed' | 'cancelled'): Promise<BulkSyncResult> => {
    current = null;
    // Seed 001 pushes permission changes per person; HikCentral applies them once per run here.
    const mustApply = patched(Patches.applyWhenGroupsJoined) ? st.privilegesPending === true : st.counts.synced > 0;
    if (!st.appliedPrivileges && mustApply) {
      st.appliedPrivileges = true;
      st.privilegesPending = false;
      await targetCall.applyHikCentralChanges();
    }
    await setState(final, true);
    return result(final);
  };

  try {
    if (input.carried === undefined) {
      st.total = await dbWork.countPeople(source);
      st.runId = await dbWork.openSyncRun({
        workflowId: info.workflowId,
        firstRunId: info.firstExecutionRunId,
        kind: input.retryOfRunId !== undefined ? 'retryFailed' : 'bulkCareerSync',
        career: input.career,
        params: { pacingMs, busyPauseMs, retryOfRunId: input.retryOfRunId ?? null },
        total: st.total,
      });
    }
    await setState(state);
    let page: PersonRef[] = [];
    let index = 0;
    let consecutiveTransient = 0;
    const pacing = new PacingClock();
    let sincePersist = 0;

    for (;;) {
      if (st.cancelRequested) return await finish('cancelled');
      if (st.paused) {
        current = null;
        await setState('paused');
        await condition(() => !st.paused || st.cancelRequested);
        if (!st.cancelRequested) await setState('running');
        continue;
      }
      const i = workflowInfo();
      if (i.continueAsNewSuggested || i.historyLength >= continueAsNewAfterEvents) {
        await persist();
        await condition(allHandlersFinished);
        st.continuedAsNew++;
        return await continueAsNew<typeof bulkCareerSync>({ ...input, carried: st });
      }
      if (index >= page.length) {
        page = await dbWork.peoplePage({ source, afterCi: st.cursor, limit: pageSize });
        index = 0;
        if (page.length === 0) return await finish('completed');
      }
      const person = page[index];
      if (person === undefined) continue;
      current = person;
      const startedAt = Date.now();
      let requestAt: number | undefined;
      let heldMs = 0;
      try {
        const r = await bulkTargetCall.syncPerson({
          ci: person.ci,
          runId: st.runId,
          notBeforeMs: pacingMs > 0 ? pacing.notBefore(pacingMs) : undefined,
        });
        requestAt = r.requestStartedAtMs;
        if (r.joinedPrivilegeGroups === true) st.privilegesPending = true;
        heldMs = r.pacingHeldMs ?? 0;
        consecutiveTransient = 0;
        st.counts[r.outcome]++;
        if (r.outcome === 'photoRejected' || r.outcome === 'failed') {
          addFailure({ ci: person.ci, outcome: r.outcome, code: r.code, message: r.message });
        }
      } catch (err) {
        if (isCancellation(err)) throw err;
        const f = failureInfo(err);
        st.lastError = `${person.ci}: HikCentral ${f.code}: ${f.message}`;
        const overloaded =
          f.type === FailureType.TargetBusy || (f.type === FailureType.TargetTransient && ++consecutiveTransient >= transientRunLimit);
        if (overloaded) {
          const pauseMs = Math.max(busyPauseMs, f.retryAfterMs ?? 0);
          pausedUntil = Date.now() + pauseMs;
          wakeFromBusyPause = false;
          await setState('pausedOnBusy');
          await condition(() => wakeFromBusyPause || st.cancelRequested || st.paused, pauseMs);
          pausedUntil = null;
          consecutiveTransient = 0;
          if (!st.cancelRequested && !st.paused) await setState('running');
          continue; // the same person again
        }
        const outcome = f.type === FailureType.PhotoRejected ? 'photoRejected' : 'failed';
        st.counts[outcome]++;
        addFailure({ ci: person.ci, outcome, code: f.code, message: f.message });
        if (f.type === FailureType.TargetTransient) {
          await dbWork.recordPersonOutcome({ runId: st.runId, ci: person.ci, outcome, code: f.code, message: f.message });
        }
      }
      st.processed++;
      st.cursor = person.ci;
      index++;
      if (++sincePersist >= DEFAULTS.persistEvery) {
        sincePersist = 0;
        await persist();
      }
      if (pacingMs > 0) {
        const wait = pacing.next(requestAt ?? startedAt, heldMs, Date.now(), pacingMs);
        if (wait > 0) await sleep(wait);
      }
    }
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (isCancellation(err)) {
      // Cancelled from the Web UI or the API: record it, then let Temporal mark the run cancelled.
      await CancellationScope.nonCancellable(async () => {
        current = null;
        await setState('cancelled', true);
      });
    } else if (st.runId !== '') {
      st.lastError = err instanceof Error ? err.message : String(err);
      await CancellationScope.nonCancellable(() => setState('failed', true));
    }
    throw err;
  }
}
