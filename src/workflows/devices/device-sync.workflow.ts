import {
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import {
  deviceFullResyncWorkflowId,
  devicePresenceSignal,
  deviceQueueChangedSignal,
  deviceResyncSignal,
  deviceSyncCheckSignal,
  deviceSyncProgressQuery,
  SyncCheckReason,
  type DevicePushResult,
  type DeviceSyncCarried,
  type DeviceSyncInput,
  type DeviceSyncProgress,
  type DeviceSyncState,
  type ResyncReason,
} from '../../contracts';
import { deviceDb, devicePush } from '../activity-profiles';
import { deviceFullResync } from './device-full-resync.workflow';

const DEFAULTS = {
  busyPauseMs: 5 * 60_000,
  pushBudgetMs: 5_000,
  idleRecheckMs: 10 * 60_000,
  offlineRecheckMs: 60_000,
  continueAsNewAfterEvents: 2_000,
};

/** Checks kept while the workflow is busy; a device sends one per reconnect, so more is noise. */
const MAX_PENDING_CHECKS = 20;

type Settings = typeof DEFAULTS;
type ResyncChild = { handle: ChildWorkflowHandle<typeof deviceFullResync> | null; reason: ResyncReason };
/** After a push: go round again, or the device is gone and the workflow ends. */
type PushNext = 'again' | 'stopped';

/** What a first run starts from; later runs are handed theirs by continue-as-new. */
function freshCarried(): DeviceSyncCarried {
  return {
    counters: {
      batches: 0,
      applied: 0,
      partial: 0,
      busyPauses: 0,
      capacityFull: 0,
      offlineWaits: 0,
      resyncs: 0,
      checks: { consistent: 0, mismatch: 0, ignoredPending: 0, mismatchCapacityFull: 0 },
    },
    online: null,
    pendingChecks: [],
    resync: null,
    continuedAsNew: 0,
  };
}

/**
 * One device's sync (safe-message-handlers shape): carried counters and live state in one place, the signal and
 * query handlers as methods, and the loop in small steps. Each step issues the same commands in the same order
 * as the loop it was split from, so recorded histories replay.
 */
class DeviceSyncRun {
  private readonly st: DeviceSyncCarried;
  private dirty = true;
  private state: DeviceSyncState = 'starting';
  private pushing = false;
  private presenceSeq = 0;
  private pausedUntil: string | null = null;
  private lastError: string | null = null;
  private queued: number | null = null;
  private child: ResyncChild | null = null;

  constructor(
    private readonly input: DeviceSyncInput,
    private readonly o: Settings,
  ) {
    this.st = input.carried ?? freshCarried();
  }

  /** Called before the first await, so a signal or query never meets an unregistered handler. */
  registerHandlers(): void {
    setHandler(deviceQueueChangedSignal, () => {
      this.dirty = true;
    });
    setHandler(devicePresenceSignal, (p) => {
      this.st.online = p.online;
      this.presenceSeq++;
      if (p.online) this.dirty = true;
      // The resync waits for the device too.
      this.child?.handle?.signal(devicePresenceSignal, p).catch(() => undefined);
    });
    setHandler(deviceSyncCheckSignal, ({ checkId }) => {
      // §2: "the comparison is only meaningful once every pushed change is acknowledged".
      this.st.pendingChecks.push({ checkId, stale: this.pushing || this.child !== null });
      if (this.st.pendingChecks.length > MAX_PENDING_CHECKS) this.st.pendingChecks.shift();
    });
    setHandler(deviceResyncSignal, ({ reason }) => {
      if (this.child === null && this.st.resync === null) this.st.resync = { reason, clearQueue: false };
    });
    setHandler(deviceSyncProgressQuery, () => this.progress());
  }

  async run(): Promise<void> {
    for (;;) {
      await this.evaluatePendingChecks();
      if (this.st.resync !== null) {
        await this.runResync(this.st.resync);
        continue;
      }
      const info = workflowInfo();
      if (info.continueAsNewSuggested || info.historyLength >= this.o.continueAsNewAfterEvents) {
        return await this.carryOn();
      }
      if (this.dirty) {
        if ((await this.pushOrWaitOnline()) === 'stopped') return;
        continue;
      }
      await this.idle();
    }
  }

  private progress(): DeviceSyncProgress {
    const { st, child } = this;
    const workflowId = deviceFullResyncWorkflowId(this.input.deviceId);
    const reason = child !== null ? child.reason : st.resync !== null ? st.resync.reason : null;
    return {
      deviceId: this.input.deviceId,
      state: this.state,
      online: st.online,
      counters: { ...st.counters, checks: { ...st.counters.checks } },
      queued: this.queued,
      pausedUntil: this.pausedUntil,
      lastError: this.lastError,
      resync: reason !== null ? { workflowId, reason } : null,
      continuedAsNew: st.continuedAsNew,
    };
  }

  private async evaluatePendingChecks(): Promise<void> {
    const { st } = this;
    while (st.pendingChecks.length > 0) {
      const check = st.pendingChecks.shift();
      if (check === undefined) break;
      const r = await deviceDb.evaluateSyncCheck({
        deviceId: this.input.deviceId,
        checkId: check.checkId,
        stale: check.stale,
      });
      if (r.outcome !== 'pending') st.counters.checks[r.outcome]++;
      // §2: on mismatch, a full sync; with reason 1 the queued pushes are cleared first.
      if (r.outcome === 'mismatch' && st.resync === null) {
        const anomaly = r.reason === SyncCheckReason.anomaly;
        st.resync = { reason: anomaly ? 'checkAnomaly' : 'checkMismatch', clearQueue: anomaly };
      }
    }
  }

  /** Runs `deviceFullResync` as a child, one at a time, then goes on incrementally. */
  private async runResync(request: NonNullable<DeviceSyncCarried['resync']>): Promise<void> {
    this.state = 'resyncing';
    this.st.counters.resyncs++;
    const child: ResyncChild = { handle: null, reason: request.reason };
    this.child = child;
    try {
      child.handle = await startChild(deviceFullResync, {
        workflowId: deviceFullResyncWorkflowId(this.input.deviceId),
        args: [
          {
            deviceId: this.input.deviceId,
            reason: request.reason,
            clearQueue: request.clearQueue,
            busyPauseMs: this.o.busyPauseMs,
            pushBudgetMs: this.o.pushBudgetMs,
            offlineRecheckMs: this.o.offlineRecheckMs,
          },
        ],
      });
      const result = await child.handle.result();
      this.lastError = result.state === 'capacityFull' ? 'capacity full during the full resync' : null;
    } catch (err) {
      this.lastError = `full resync failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      this.child = null;
      this.st.resync = null;
    }
    this.dirty = true;
  }

  /** Continue as new with the counters and pending work, once every handler has finished (STYLE 7). */
  private async carryOn(): Promise<never> {
    await condition(allHandlersFinished);
    const { st } = this;
    return await continueAsNew<typeof deviceSync>({
      ...this.input,
      carried: { ...st, continuedAsNew: st.continuedAsNew + 1 },
    });
  }

  private async pushOrWaitOnline(): Promise<PushNext> {
    this.dirty = false;
    if (this.st.online === false) {
      await this.waitOnline();
      return 'again';
    }
    return await this.push();
  }

  /** §1: "When the device is detected offline, pause its sync until it is online again." */
  private async waitOnline(): Promise<void> {
    const { st } = this;
    this.state = 'waitingOnline';
    st.counters.offlineWaits++;
    const back = await condition(
      () => st.online === true || st.pendingChecks.length > 0 || st.resync !== null,
      this.o.offlineRecheckMs,
    );
    // Without news, look again: the activity reads presence from the database.
    if (!back && st.online === false) st.online = null;
    this.dirty = true;
  }

  private async push(): Promise<PushNext> {
    this.state = 'pushing';
    this.pushing = true;
    const seq = this.presenceSeq;
    let r: DevicePushResult;
    try {
      r = await devicePush.pushDeviceQueue({ deviceId: this.input.deviceId, budgetMs: this.o.pushBudgetMs });
    } finally {
      this.pushing = false;
    }
    const counters = this.st.counters;
    counters.batches += r.counts.batches;
    counters.applied += r.counts.applied;
    counters.partial += r.counts.partial;
    if (r.queued !== undefined) this.queued = r.queued;
    return await this.afterPush(r.outcome, seq);
  }

  /** §1 codes as the activity reported them: 2 (busy) pauses, 1 (full) stops inserts, offline waits. */
  private async afterPush(outcome: DevicePushResult['outcome'], seq: number): Promise<PushNext> {
    switch (outcome) {
      case 'drained':
        this.lastError = null;
        break;
      case 'more':
        // Batches were acknowledged: the last error is over (the activity cleared the device's alerts too).
        this.lastError = null;
        this.dirty = true;
        break;
      case 'offline':
        // A presence signal during the push is newer than the activity's read.
        if (this.presenceSeq === seq) this.st.online = false;
        this.dirty = true;
        break;
      case 'capacityFull':
        this.st.counters.capacityFull++;
        this.lastError = 'capacity full: inserts stopped, deletes continue (see the device alert)';
        this.dirty = true;
        break;
      case 'busy':
      case 'noProgress':
        await this.pauseBusy(outcome === 'busy' ? 'device busy' : 'device applied nothing of a batch');
        break;
      case 'deviceGone':
      case 'completed':
        this.state = 'stopped';
        return 'stopped';
    }
    return 'again';
  }

  private async pauseBusy(why: string): Promise<void> {
    this.st.counters.busyPauses++;
    this.lastError = why;
    this.state = 'pausedBusy';
    this.pausedUntil = new Date(Date.now() + this.o.busyPauseMs).toISOString();
    // An admin's resync does not wait for the pause; everything else does.
    await condition(() => this.st.resync !== null, this.o.busyPauseMs);
    this.pausedUntil = null;
    this.dirty = true;
  }

  private async idle(): Promise<void> {
    this.state = 'idle';
    const woke = await condition(
      () => this.dirty || this.st.pendingChecks.length > 0 || this.st.resync !== null,
      this.o.idleRecheckMs,
    );
    if (!woke) this.dirty = true;
  }
}

/**
 * One long-lived workflow per cloud device (entity workflow). It holds no people — the queue is a
 * table — only presence, counters and the checks and resync requests to act on:
 *
 *   woken by `deviceQueueChanged` → pushes folded batches (`pushDeviceQueue`) until the queue is drained
 *   §1 code 2 (busy) → pauses `busyPauseMs` (5 min) and resumes; code 1 (full) → the activity raised the alert
 *     and folding drops inserts, deletes go on; no answer → the activity is retried with backoff
 *   offline (`devicePresence` / the activity's read) → waits until the device is online again
 *   `deviceSyncCheck` (§2) → evaluated at once; ignored when a push was in flight; a mismatch → full resync
 *   `deviceResync` (API) → runs `deviceFullResync` as a child (one at a time), then continues incrementally
 *
 * Continues as new with its counters and pending work; everything else is in PostgreSQL, so a worker restart
 * or a new run resumes from the queue.
 */
export async function deviceSync(input: DeviceSyncInput): Promise<void> {
  const run = new DeviceSyncRun(input, { ...DEFAULTS, ...definedOnly(input) });
  run.registerHandlers();
  await run.run();
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
