import { ApplicationFailure, condition, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  DeviceFailureType,
  devicePresenceSignal,
  deviceResyncProgressQuery,
  type DevicePushCounts,
  type DeviceFullResyncInput,
  type DeviceResyncProgress,
  type DeviceResyncResult,
  type DeviceResyncState,
} from '../../contracts';
import { deviceDb, devicePush } from '../activity-profiles';

const DEFAULTS = { busyPauseMs: 5 * 60_000, pushBudgetMs: 5_000, offlineRecheckMs: 60_000 };

/**
 * The first push begins the run itself instead of a `beginFullResync` activity before it: one activity and one
 * workflow task less before the first batch leaves. Histories recorded before it replay the old way.
 */
export const RESYNC_BEGINS_IN_PUSH = 'resync-begins-in-first-push';

/**
 * A full resync of one device (digest §1/§2): streams every person the device should hold, the first
 * message with `reset: true` and `total_count`, later ones with neither; the same answer handling as the
 * incremental push (busy → pause, full → stop and alert, offline → wait, no answer → retried). Its cursor is a
 * database row (device_resync), so a worker restart resumes where the device last confirmed. Afterwards the
 * incremental queue is rebuilt from the full state. Runs as the child of `deviceSync`, one at a time per device.
 */
export async function deviceFullResync(input: DeviceFullResyncInput): Promise<DeviceResyncResult> {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS & DeviceFullResyncInput;
  const info = workflowInfo();
  const runKey = `${info.workflowId}/${info.firstExecutionRunId}`;
  let state: DeviceResyncState = 'starting';
  let total = 0;
  let sent = 0;
  let busyPauses = 0;
  let pausedUntil: string | null = null;
  let online: boolean | null = null;
  let presenceSeq = 0;
  const counts: DevicePushCounts = { batches: 0, applied: 0, partial: 0 };
  const progress = (): DeviceResyncProgress => ({
    deviceId: input.deviceId,
    reason: input.reason,
    runKey,
    state,
    total,
    sent,
    percent: total > 0 ? Math.min(100, Math.round((sent / total) * 1000) / 10) : state === 'completed' ? 100 : 0,
    counts: { ...counts },
    busyPauses,
    pausedUntil,
  });
  setHandler(deviceResyncProgressQuery, progress);
  setHandler(devicePresenceSignal, (p) => {
    online = p.online;
    presenceSeq++;
  });

  let begin: { reason: DeviceFullResyncInput['reason']; clearQueue: boolean } | undefined;
  if (patched(RESYNC_BEGINS_IN_PUSH)) begin = { reason: input.reason, clearQueue: input.clearQueue };
  else {
    const begun = await deviceDb.beginFullResync({ deviceId: input.deviceId, runKey, reason: input.reason, clearQueue: input.clearQueue });
    total = begun.total;
    sent = begun.sent;
  }
  state = 'running';
  let final: 'completed' | 'capacityFull' | null = null;
  while (final === null) {
    const seq = presenceSeq;
    const r = await devicePush.pushFullResync({ deviceId: input.deviceId, runKey, budgetMs: o.pushBudgetMs, ...(begin !== undefined ? { begin } : {}) });
    // Only the first push may begin the run: a later one finding another run key was superseded.
    begin = undefined;
    counts.batches += r.counts.batches;
    counts.applied += r.counts.applied;
    counts.partial += r.counts.partial;
    total = r.total;
    sent = r.sent;
    switch (r.outcome) {
      case 'completed':
      case 'capacityFull':
        final = r.outcome;
        break;
      case 'offline':
        if (presenceSeq === seq) online = false;
        state = 'waitingOnline';
        await condition(() => online === true, o.offlineRecheckMs);
        state = 'running';
        break;
      case 'busy':
      case 'noProgress':
        busyPauses++;
        state = 'pausedBusy';
        pausedUntil = new Date(Date.now() + o.busyPauseMs).toISOString();
        await condition(() => false, o.busyPauseMs);
        pausedUntil = null;
        state = 'running';
        break;
      case 'deviceGone':
        throw ApplicationFailure.nonRetryable(`device ${input.deviceId} was deleted`, DeviceFailureType.DeviceGone);
      default:
        break;
    }
  }
  state = final;
  await deviceDb.finishFullResync({ deviceId: input.deviceId, runKey, state: final });
  const { pausedUntil: _unused, ...result } = progress();
  return result;
}
