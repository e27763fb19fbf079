import { allHandlersFinished, condition, continueAsNew, setHandler, startChild, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import {
  deviceFullResyncWorkflowId,
  devicePresenceSignal,
  deviceQueueChangedSignal,
  deviceResyncSignal,
  deviceSyncCheckSignal,
  deviceSyncProgressQuery,
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
  const o = { ...DEFAULTS, ...definedOnly(input) };
  const st: DeviceSyncCarried = input.carried ?? {
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
  let dirty = true;
  let state: DeviceSyncState = 'starting';
  let pushing = false;
  let presenceSeq = 0;
  let pausedUntil: string | null = null;
  let lastError: string | null = null;
  let queued: number | null = null;
  let child: { handle: ChildWorkflowHandle<typeof deviceFullResync> | null; reason: ResyncReason } | null = null;

  setHandler(deviceQueueChangedSignal, () => {
    dirty = true;
  });
  setHandler(devicePresenceSignal, (p) => {
    st.online = p.online;
    presenceSeq++;
    if (p.online) dirty = true;
    // The resync waits for the device too.
    child?.handle?.signal(devicePresenceSignal, p).catch(() => undefined);
  });
  setHandler(deviceSyncCheckSignal, ({ checkId }) => {
    // §2: "the comparison is only meaningful once every pushed change is acknowledged".
    st.pendingChecks.push({ checkId, stale: pushing || child !== null });
    if (st.pendingChecks.length > MAX_PENDING_CHECKS) st.pendingChecks.shift();
  });
  setHandler(deviceResyncSignal, ({ reason }) => {
    if (child === null && st.resync === null) st.resync = { reason, clearQueue: false };
  });
  setHandler(
    deviceSyncProgressQuery,
    (): DeviceSyncProgress => ({
      deviceId: input.deviceId,
      state,
      online: st.online,
      counters: { ...st.counters, checks: { ...st.counters.checks } },
      queued,
      pausedUntil,
      lastError,
      resync: child !== null ? { workflowId: deviceFullResyncWorkflowId(input.deviceId), reason: child.reason } : st.resync !== null ? { workflowId: deviceFullResyncWorkflowId(input.deviceId), reason: st.resync.reason } : null,
      continuedAsNew: st.continuedAsNew,
    }),
  );

  for (;;) {
    while (st.pendingChecks.length > 0) {
      const check = st.pendingChecks.shift();
      if (check === undefined) break;
      const r = await deviceDb.evaluateSyncCheck({ deviceId: input.deviceId, checkId: check.checkId, stale: check.stale });
      if (r.outcome !== 'pending') st.counters.checks[r.outcome]++;
      // §2: on mismatch, a full sync; with reason 1 the queued pushes are cleared first.
      if (r.outcome === 'mismatch' && st.resync === null) {
        st.resync = { reason: r.reason === 1 ? 'checkAnomaly' : 'checkMismatch', clearQueue: r.reason === 1 };
      }
    }

    if (st.resync !== null) {
      const request = st.resync;
      state = 'resyncing';
      st.counters.resyncs++;
      child = { handle: null, reason: request.reason };
      try {
        child.handle = await startChild(deviceFullResync, {
          workflowId: deviceFullResyncWorkflowId(input.deviceId),
          args: [
            {
              deviceId: input.deviceId,
              reason: request.reason,
              clearQueue: request.clearQueue,
              busyPauseMs: o.busyPauseMs,
              pushBudgetMs: o.pushBudgetMs,
              offlineRecheckMs: o.offlineRecheckMs,
            },
          ],
        });
        const result = await child.handle.result();
        lastError = result.state === 'capacityFull' ? 'capacity full during the full resync' : null;
      } catch (err) {
        lastError = `full resync failed: ${err instanceof Error ? err.message : String(err)}`;
      } finally {
        child = null;
        st.resync = null;
      }
      dirty = true;
      continue;
    }

    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= o.continueAsNewAfterEvents) {
      await condition(allHandlersFinished);
      return await continueAsNew<typeof deviceSync>({ ...input, carried: { ...st, continuedAsNew: st.continuedAsNew + 1 } });
    }

    if (dirty) {
      dirty = false;
      if (st.online === false) {
        // §1: "When the device is detected offline, pause its sync until it is online again."
        state = 'waitingOnline';
        st.counters.offlineWaits++;
        const back = await condition(() => st.online === true || st.pendingChecks.length > 0 || st.resync !== null, o.offlineRecheckMs);
        // Without news, look again: the activity reads presence from the database.
        if (!back && st.online === false) st.online = null;
        dirty = true;
        continue;
      }
      state = 'pushing';
      pushing = true;
      const seq = presenceSeq;
      let r: DevicePushResult;
      try {
        r = await devicePush.pushDeviceQueue({ deviceId: input.deviceId, budgetMs: o.pushBudgetMs });
      } finally {
        pushing = false;
      }
      st.counters.batches += r.counts.batches;
      st.counters.applied += r.counts.applied;
      st.counters.partial += r.counts.partial;
      if (r.queued !== undefined) queued = r.queued;
      switch (r.outcome) {
        case 'drained':
          lastError = null;
          break;
        case 'more':
          // Batches were acknowledged: the last error is over (the activity cleared the device's alerts too).
          lastError = null;
          dirty = true;
          break;
        case 'offline':
          // A presence signal during the push is newer than the activity's read.
          if (presenceSeq === seq) st.online = false;
          dirty = true;
          break;
        case 'capacityFull':
          st.counters.capacityFull++;
          lastError = 'capacity full: inserts stopped, deletes continue (see the device alert)';
          dirty = true;
          break;
        case 'busy':
        case 'noProgress': {
          st.counters.busyPauses++;
          lastError = r.outcome === 'busy' ? 'device busy' : 'device applied nothing of a batch';
          state = 'pausedBusy';
          pausedUntil = new Date(Date.now() + o.busyPauseMs).toISOString();
          // An admin's resync does not wait for the pause; everything else does.
          await condition(() => st.resync !== null, o.busyPauseMs);
          pausedUntil = null;
          dirty = true;
          break;
        }
        case 'deviceGone':
        case 'completed':
          state = 'stopped';
          return;
      }
      continue;
    }

    state = 'idle';
    const woke = await condition(() => dirty || st.pendingChecks.length > 0 || st.resync !== null, o.idleRecheckMs);
    if (!woke) dirty = true;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
