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
import { failureInfo, type FailureInfo } from '../failure-info';

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
        this.latenessEmaMs === null
          ? lateness
          : this.latenessEmaMs + PacingClock.ALPHA * (lateness - this.latenessEmaMs);
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

type Final = 'completed' | 'cancelled';

/** What a first run starts from; later runs are handed theirs by continue-as-new. */
function freshCarried(): BulkSyncCarried {
  return {
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
}

/** What one person's call left for the pacing: when its request left (if it did) and how long it was held. */
interface CallTiming {
  requestAt?: number;
  heldMs: number;
}

/**
 * One run of the bulk sync (safe-message-handlers shape): the carried counters and the live state in one place,
 * the signal and query handlers as methods, and the loop in small steps. Each step issues the same commands in
 * the same order as the loop it was split from, so recorded histories replay.
 */
class BulkCareerRun {
  private readonly pacingMs: number;
  private readonly busyPauseMs: number;
  private readonly transientRunLimit: number;
  private readonly continueAsNewAfterEvents: number;
  private readonly pageSize: number;
  private readonly source: PeopleSource;
  private readonly st: BulkSyncCarried;
  private state: BulkSyncState;
  private publishedState: BulkSyncState | null = null;
  private current: PersonRef | null = null;
  private pausedUntil: number | null = null;
  private wakeFromBusyPause = false;
  private page: PersonRef[] = [];
  private index = 0;
  private consecutiveTransient = 0;
  private sincePersist = 0;
  private readonly pacing = new PacingClock();

  constructor(private readonly input: BulkCareerSyncInput) {
    this.pacingMs = input.pacingMs ?? DEFAULTS.pacingMs;
    this.busyPauseMs = input.busyPauseMs ?? DEFAULTS.busyPauseMs;
    this.transientRunLimit = input.transientRunLimit ?? DEFAULTS.transientRunLimit;
    this.continueAsNewAfterEvents = input.continueAsNewAfterEvents ?? DEFAULTS.continueAsNewAfterEvents;
    this.pageSize = input.pageSize ?? DEFAULTS.pageSize;
    this.source =
      input.retryOfRunId !== undefined
        ? { kind: 'retry', runId: input.retryOfRunId }
        : { kind: 'career', career: input.career };
    this.st = input.carried ?? freshCarried();
    this.state = this.st.paused ? 'paused' : 'running';
  }

  /** Called before the first await, so a query never meets an unregistered handler. */
  registerHandlers(): void {
    setHandler(pauseSignal, () => {
      this.st.paused = true;
    });
    setHandler(resumeSignal, () => {
      this.st.paused = false;
      // An admin who resumes during a busy pause means "try now".
      this.wakeFromBusyPause = true;
    });
    setHandler(cancelSignal, () => {
      this.st.cancelRequested = true;
    });
    setHandler(progressQuery, () => this.progress());
  }

  async run(): Promise<BulkSyncResult> {
    try {
      if (this.input.carried === undefined) await this.openRun();
      await this.setState(this.state);
      for (;;) {
        const done = await this.step();
        if (done !== undefined) return done;
      }
    } catch (err) {
      if (err instanceof ContinueAsNew) throw err;
      await this.recordAbnormalEnd(err);
      throw err;
    }
  }

  private progress(): BulkSyncProgress {
    const { st, state } = this;
    return {
      career: this.input.career,
      total: st.total,
      processed: st.processed,
      percent: st.total > 0 ? Math.min(100, Math.round((st.processed / st.total) * 1000) / 10) : 100,
      current: this.current,
      counts: { ...st.counts },
      state: st.cancelRequested && state !== 'cancelled' ? 'cancelling' : state,
      pausedUntil: this.pausedUntil !== null ? new Date(this.pausedUntil).toISOString() : null,
      lastError: st.lastError,
      pacingMs: this.pacingMs,
      continuedAsNew: st.continuedAsNew,
      runId: st.runId,
    };
  }

  private get kind(): 'retryFailed' | 'bulkCareerSync' {
    return this.input.retryOfRunId !== undefined ? 'retryFailed' : 'bulkCareerSync';
  }

  private async openRun(): Promise<void> {
    const info = workflowInfo();
    this.st.total = await dbWork.countPeople(this.source);
    this.st.runId = await dbWork.openSyncRun({
      workflowId: info.workflowId,
      firstRunId: info.firstExecutionRunId,
      kind: this.kind,
      career: this.input.career,
      params: { pacingMs: this.pacingMs, busyPauseMs: this.busyPauseMs, retryOfRunId: this.input.retryOfRunId ?? null },
      total: this.st.total,
    });
  }

  /** One turn of the loop: a result when the run ends, `undefined` to go round again. */
  private async step(): Promise<BulkSyncResult | undefined> {
    if (this.st.cancelRequested) return await this.finish('cancelled');
    if (this.st.paused) return await this.waitWhilePaused();
    const i = workflowInfo();
    if (i.continueAsNewSuggested || i.historyLength >= this.continueAsNewAfterEvents) return await this.carryOn();
    if (this.index >= this.page.length) {
      this.page = await dbWork.peoplePage({ source: this.source, afterCi: this.st.cursor, limit: this.pageSize });
      this.index = 0;
      if (this.page.length === 0) return await this.finish('completed');
    }
    const person = this.page[this.index];
    if (person !== undefined) await this.syncNext(person);
    return undefined;
  }

  private async waitWhilePaused(): Promise<undefined> {
    this.current = null;
    await this.setState('paused');
    await condition(() => !this.st.paused || this.st.cancelRequested);
    if (!this.st.cancelRequested) await this.setState('running');
    return undefined;
  }

  /** Continue as new with the cursor and counters, once every handler has finished (STYLE 7). */
  private async carryOn(): Promise<never> {
    await this.persist();
    await condition(allHandlersFinished);
    this.st.continuedAsNew++;
    return await continueAsNew<typeof bulkCareerSync>({ ...this.input, carried: this.st });
  }

  private async syncNext(person: PersonRef): Promise<void> {
    this.current = person;
    const startedAt = Date.now();
    const timing = await this.callSync(person);
    if (timing === 'again') return; // the same person again
    this.st.processed++;
    this.st.cursor = person.ci;
    this.index++;
    if (++this.sincePersist >= DEFAULTS.persistEvery) {
      this.sincePersist = 0;
      await this.persist();
    }
    if (this.pacingMs > 0) {
      const wait = this.pacing.next(timing.requestAt ?? startedAt, timing.heldMs, Date.now(), this.pacingMs);
      if (wait > 0) await sleep(wait);
    }
  }

  /** Syncs one person and counts the outcome; `'again'` after a pause for an overloaded HikCentral. */
  private async callSync(person: PersonRef): Promise<CallTiming | 'again'> {
    try {
      const r = await bulkTargetCall.syncPerson({
        ci: person.ci,
        runId: this.st.runId,
        notBeforeMs: this.pacingMs > 0 ? this.pacing.notBefore(this.pacingMs) : undefined,
      });
      if (r.joinedPrivilegeGroups === true) this.st.privilegesPending = true;
      this.consecutiveTransient = 0;
      this.st.counts[r.outcome]++;
      if (r.outcome === 'photoRejected' || r.outcome === 'failed') {
        this.addFailure({ ci: person.ci, outcome: r.outcome, code: r.code, message: r.message });
      }
      return { requestAt: r.requestStartedAtMs, heldMs: r.pacingHeldMs ?? 0 };
    } catch (err) {
      if (isCancellation(err)) throw err;
      return await this.callFailed(person, failureInfo(err));
    }
  }

  private async callFailed(person: PersonRef, f: FailureInfo): Promise<CallTiming | 'again'> {
    this.st.lastError = `${person.ci}: HikCentral ${f.code}: ${f.message}`;
    const overloaded =
      f.type === FailureType.TargetBusy ||
      (f.type === FailureType.TargetTransient && ++this.consecutiveTransient >= this.transientRunLimit);
    if (overloaded) {
      await this.pauseOnBusy(f.retryAfterMs);
      return 'again';
    }
    const outcome = f.type === FailureType.PhotoRejected ? 'photoRejected' : 'failed';
    this.st.counts[outcome]++;
    this.addFailure({ ci: person.ci, outcome, code: f.code, message: f.message });
    if (f.type === FailureType.TargetTransient) {
      await dbWork.recordPersonOutcome({
        runId: this.st.runId,
        ci: person.ci,
        outcome,
        code: f.code,
        message: f.message,
      });
    }
    return { heldMs: 0 };
  }

  /** HikCentral is overloaded: wait the busy pause (or its Retry-After), unless a signal ends the wait sooner. */
  private async pauseOnBusy(retryAfterMs: number | null): Promise<void> {
    const pauseMs = Math.max(this.busyPauseMs, retryAfterMs ?? 0);
    this.pausedUntil = Date.now() + pauseMs;
    this.wakeFromBusyPause = false;
    await this.setState('pausedOnBusy');
    await condition(() => this.wakeFromBusyPause || this.st.cancelRequested || this.st.paused, pauseMs);
    this.pausedUntil = null;
    this.consecutiveTransient = 0;
    if (!this.st.cancelRequested && !this.st.paused) await this.setState('running');
  }

  private async setState(next: BulkSyncState, finished = false): Promise<void> {
    this.state = next;
    if (this.publishedState === next && !finished) return;
    this.publishedState = next;
    upsertSearchAttributes([
      { key: SearchAttributes.career, value: this.input.career },
      { key: SearchAttributes.state, value: next },
      { key: SearchAttributes.kind, value: this.kind },
    ] as never);
    await this.persist(finished);
  }

  private persist(finished = false): Promise<void> {
    return dbWork.updateSyncRun({
      runId: this.st.runId,
      total: this.st.total,
      processed: this.st.processed,
      counts: this.st.counts,
      state: this.state,
      lastError: this.st.lastError,
      finished,
    });
  }

  private addFailure(f: BulkSyncFailure): void {
    if (this.st.failures.length < MAX_FAILURES_IN_RESULT) this.st.failures.push(f);
    else this.st.failuresTruncated++;
  }

  private async finish(final: Final): Promise<BulkSyncResult> {
    this.current = null;
    // Seed 001 pushes permission changes per person; HikCentral applies them once per run here.
    const mustApply = patched(Patches.applyWhenGroupsJoined)
      ? this.st.privilegesPending === true
      : this.st.counts.synced > 0;
    if (!this.st.appliedPrivileges && mustApply) {
      this.st.appliedPrivileges = true;
      this.st.privilegesPending = false;
      await targetCall.applyHikCentralChanges();
    }
    await this.setState(final, true);
    return this.result(final);
  }

  private result(final: Final): BulkSyncResult {
    const { st } = this;
    return {
      career: this.input.career,
      runId: st.runId,
      state: final,
      total: st.total,
      processed: st.processed,
      counts: { ...st.counts },
      failures: st.failures,
      failuresTruncated: st.failuresTruncated,
    };
  }

  /** Cancelled or failed: record it on the sync run, out of reach of the cancellation. */
  private async recordAbnormalEnd(err: unknown): Promise<void> {
    if (isCancellation(err)) {
      // Cancelled from the Web UI or the API: record it, then let Temporal mark the run cancelled.
      await CancellationScope.nonCancellable(async () => {
        this.current = null;
        await this.setState('cancelled', true);
      });
    } else if (this.st.runId !== '') {
      this.st.lastError = err instanceof Error ? err.message : String(err);
      await CancellationScope.nonCancellable(() => this.setState('failed', true));
    }
  }
}

/**
 * Replaces seed 000's browser loop: the pending people of one career, one at a time, requests at
 * least `pacingMs` apart (start to start, on workflow timers), pausing itself when HikCentral is
 * overloaded and resuming at the same person; pause/resume/cancel signals and a `progress` query.
 * Pages through people by cursor and continues as new, so its history stays bounded at any size.
 */
export async function bulkCareerSync(input: BulkCareerSyncInput): Promise<BulkSyncResult> {
  const run = new BulkCareerRun(input);
  run.registerHandlers();
  return await run.run();
}
