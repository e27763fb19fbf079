import { ApplicationFailure } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/postgresql';
import { CloudDeviceError } from '../../targets/devices/client/errors';
import type { AnswerTo, RequestCmd, RequestOptions, SendOptions } from '../../targets/devices/client/gateway-client';
import { CONFIG_ANSWER_CODE, SYNC_CHECK_REASON, USER_SYNC_CODE, type DownCmd, type DownFields } from '../../targets/devices/protocol/messages';
import { acknowledge, pendingAfterFold, planBatch, queuedUsers } from '../../db/repositories/devices/device-queue';
import { expectedHash, type Db } from '../../db/repositories/devices/device-people';
import { beginResync, finishResync, loadResync } from '../../db/repositories/devices/device-resync-store';
import { clearDeviceAlerts, raiseDeviceAlert, type AlertClearCause } from '../../db/repositories/devices/device-alerts';
import { hashesEqual } from '../../targets/devices/protocol/xor-hash';
import {
  DeviceFailureType,
  type DeviceCommandInput,
  type DeviceCommandResult,
  type DevicePushCounts,
  type DevicePushResult,
  type ResyncPushResult,
  type ResyncReason,
} from '../../contracts/devices';
import type { CheckOutcome, ResyncState } from '../../db/entities';
import { heartbeat } from '../heartbeat';
import { FullResyncPush, type ResyncPushIo } from './full-resync-push';
import {
  deviceSyncState,
  findSyncCheck,
  mergeProperties,
  recordCheckOutcome,
  saveOpeningHours,
  type DeviceSyncState,
} from '../../db/repositories/devices/device-state';

/** What device activities need from the gateway: `CloudGatewayClient` is one. */
export interface DeviceLink {
  request<C extends RequestCmd>(deviceId: string, cmd: C, fields: DownFields<C>, opts?: RequestOptions): Promise<AnswerTo<C>>;
  send<C extends DownCmd>(deviceId: string, cmd: C, fields: DownFields<C>, opts?: SendOptions): Promise<string>;
}

export interface DeviceActivityDeps {
  orm: MikroORM;
  /** The process's gateway connection; absent in processes that do not talk to devices. */
  link?: DeviceLink;
  /** Budget of one request/answer (§1: "no answer" is a timeout, retried with backoff). */
  requestTimeoutMs: number;
}

type DeviceRow = DeviceSyncState;

/** Gateway errors as the failures workflows branch on (STYLE §8). */
function toDeviceFailure(e: unknown): unknown {
  if (!(e instanceof CloudDeviceError)) return e;
  switch (e.kind) {
    case 'timeout':
      return ApplicationFailure.retryable(e.message, DeviceFailureType.DeviceNoAnswer);
    case 'invalidOutgoing':
      return ApplicationFailure.nonRetryable(e.message, DeviceFailureType.DeviceInvalidCommand);
    default:
      return ApplicationFailure.retryable(e.message, DeviceFailureType.DeviceGatewayDown);
  }
}

const noCounts = (): DevicePushCounts => ({ batches: 0, applied: 0, partial: 0 });

interface CheckJudgement {
  outcome: CheckOutcome;
  detail: string | null;
  expected: { size: number; hash: string } | null;
}

/**
 * §2: the device's size and hash against what it should hold — unless pushes are still owed to it (or were in
 * flight when the check arrived), in which case the comparison means nothing and is ignored.
 */
async function judgeSyncCheck(
  db: Db,
  deviceId: string,
  check: { size: number; hash: string },
  stale: boolean,
  capacityFull: boolean,
): Promise<CheckJudgement> {
  const resync = await loadResync(db, deviceId);
  if (stale) return { outcome: 'ignoredPending', detail: 'a push was in flight when the check arrived', expected: null };
  if (resync?.state === 'running') return { outcome: 'ignoredPending', detail: 'a full resync is running', expected: null };
  const pending = await pendingAfterFold(db, deviceId, capacityFull);
  if (pending > 0) return { outcome: 'ignoredPending', detail: `${pending} users still to push`, expected: null };
  const expected = await expectedHash(db, deviceId);
  if (expected.size === check.size && hashesEqual(expected.hash, check.hash)) return { outcome: 'consistent', detail: null, expected };
  // A resync would only fill the device again: the capacity alert says what to do.
  if (capacityFull) return { outcome: 'mismatchCapacityFull', detail: 'the device is full; clear the capacity alert to retry', expected };
  return { outcome: 'mismatch', detail: null, expected };
}

/** The settings a device accepted (§14), as stored with it. */
function propertyValues(properties: Extract<DeviceCommandInput, { kind: 'properties' }>['properties'], setAt: string) {
  return Object.fromEntries(
    properties.map((p) => [p.property, { value: p.value, ...(p.ext_value !== undefined ? { extValue: p.ext_value } : {}), setAt }]),
  );
}

export function createDeviceActivities(deps: DeviceActivityDeps) {
  const db = (): Db => deps.orm.em.getKnex();
  const link = (): DeviceLink => {
    if (deps.link === undefined) throw ApplicationFailure.retryable('this worker has no device gateway', DeviceFailureType.DeviceGatewayDown);
    return deps.link;
  };

  async function loadDevice(deviceId: string): Promise<DeviceRow | undefined> {
    return deviceSyncState(db(), deviceId);
  }

  async function userSync(deviceId: string, payload: DownFields<'user_sync'>['payload']) {
    try {
      return (await link().request(deviceId, 'user_sync', { payload }, { timeoutMs: deps.requestTimeoutMs })).data.payload;
    } catch (e) {
      // §1: no answer is retried; meanwhile the device shows why its queue is not moving.
      if (e instanceof CloudDeviceError && e.kind === 'timeout') {
        const detail = `no answer to user_sync within ${deps.requestTimeoutMs} ms`;
        await raiseDeviceAlert(db(), deviceId, 'syncError', detail).catch(() => undefined);
      }
      throw toDeviceFailure(e);
    }
  }

  /** §1 code 1 or 2: the alert, and the same text as the device's last sync error. */
  async function raiseAnswerAlert(deviceId: string, kind: 'busy' | 'capacityFull', detail: string): Promise<void> {
    await raiseDeviceAlert(db(), deviceId, kind, detail);
    await raiseDeviceAlert(db(), deviceId, 'syncError', detail);
  }

  /** A success (code 0, or nothing left to push) ends the busy alert and the last sync error. */
  async function syncSucceeded(deviceId: string, d: DeviceRow, cause: AlertClearCause): Promise<void> {
    if (!d.sync_alerted) return;
    await clearDeviceAlerts(db(), deviceId, ['busy', 'syncError'], cause);
    d.sync_alerted = false;
  }

  const resyncIo: ResyncPushIo = { db, loadDevice, userSync, raiseAnswerAlert, syncSucceeded };

  return {
    /** Whether the device exists and what the workflow needs to know to begin. */
    async loadDeviceSyncState(deviceId: string): Promise<{ exists: boolean; online: boolean; queued: number }> {
      const d = await loadDevice(deviceId);
      if (d === undefined) return { exists: false, online: false, queued: 0 };
      return { exists: true, online: d.online, queued: await queuedUsers(db(), deviceId) };
    },

    /**
     * Incremental push: folded batches of `user_sync_size` entries with `reset: false`, one
     * request at a time, until the queue is empty, the budget is spent, or the device answers something the
     * workflow must act on. Acknowledged entries are written per batch, so a retry resumes from the queue.
     */
    async pushDeviceQueue(input: { deviceId: string; budgetMs: number }): Promise<DevicePushResult> {
      const started = Date.now();
      const counts = noCounts();
      for (;;) {
        const d = await loadDevice(input.deviceId);
        if (d === undefined) return { outcome: 'deviceGone', counts };
        if (!d.online) return { outcome: 'offline', counts };
        const batch = await planBatch(db(), input.deviceId, d.user_sync_size, d.capacity_full);
        if (batch.length === 0) {
          await syncSucceeded(input.deviceId, d, 'queueDrained');
          return { outcome: 'drained', counts, queued: 0 };
        }
        const answer = await userSync(input.deviceId, { reset: false, users: batch.map((e) => e.entry) });
        if (answer.code === USER_SYNC_CODE.capacityFull) {
          // §1 code 1: stop inserting; queued inserts are dropped by folding while the alert is on.
          await raiseAnswerAlert(input.deviceId, 'capacityFull', 'capacity full: the device refused further users');
          return { outcome: 'capacityFull', counts, queued: await queuedUsers(db(), input.deviceId) };
        }
        if (answer.code === USER_SYNC_CODE.busy) {
          await raiseAnswerAlert(input.deviceId, 'busy', 'device busy');
          return { outcome: 'busy', counts, queued: await queuedUsers(db(), input.deviceId) };
        }
        // §1: only the first sync_size entries count as synced; the tail stays queued and goes again.
        const applied = Math.min(answer.sync_size ?? 0, batch.length);
        await acknowledge(db(), input.deviceId, batch.slice(0, applied));
        counts.batches++;
        counts.applied += applied;
        if (applied < batch.length) counts.partial++;
        if (applied === 0) {
          await raiseDeviceAlert(db(), input.deviceId, 'syncError', 'the device applied nothing of a batch');
          return { outcome: 'noProgress', counts };
        }
        await syncSucceeded(input.deviceId, d, 'pushAcknowledged');
        heartbeat(counts);
        if (Date.now() - started >= input.budgetMs) return { outcome: 'more', counts, queued: await queuedUsers(db(), input.deviceId) };
      }
    },

    /** Begins a resync run; kept for histories recorded before the first push began the run (RESYNC_BEGINS_IN_PUSH). */
    async beginFullResync(input: { deviceId: string; runKey: string; reason: ResyncReason; clearQueue: boolean }): Promise<{ total: number; sent: number }> {
      if ((await loadDevice(input.deviceId)) === undefined) {
        throw ApplicationFailure.nonRetryable(`device ${input.deviceId} is not registered`, DeviceFailureType.DeviceGone);
      }
      const r = await beginResync(db(), input);
      return { total: r.total, sent: r.sent };
    },

    /**
     * Full resync (digest §1/§2): every person the device should hold, in user_id order, `reset: true` and
     * `total_count` on the first message only (until it is acknowledged), then `reset: false` without a count.
     */
    async pushFullResync(input: {
      deviceId: string;
      runKey: string;
      budgetMs: number;
      /**
       * The first push of a run begins it (what `beginFullResync` does), saving an activity and a workflow task at
       * the start of every resync. Idempotent: a retry finds its own run key and resumes.
       */
      begin?: { reason: ResyncReason; clearQueue: boolean };
    }): Promise<ResyncPushResult> {
      const started = Date.now();
      const counts = noCounts();
      const [loaded, d] = await Promise.all([loadResync(db(), input.deviceId), loadDevice(input.deviceId)]);
      let row = loaded;
      if (d === undefined) {
        if (input.begin !== undefined) throw ApplicationFailure.nonRetryable(`device ${input.deviceId} is not registered`, DeviceFailureType.DeviceGone);
        return { outcome: 'deviceGone', counts, total: row?.total ?? 0, sent: row?.sent ?? 0 };
      }
      if (input.begin !== undefined && row?.run_key !== input.runKey) {
        row = await beginResync(db(), { deviceId: input.deviceId, runKey: input.runKey, ...input.begin });
      }
      if (row === undefined || row.run_key !== input.runKey) {
        throw ApplicationFailure.nonRetryable('another resync replaced this one', DeviceFailureType.ResyncSuperseded);
      }
      const run = row;
      if (run.state !== 'running') {
        // A retry after the run ended (the answer was lost): report what the run recorded.
        return { outcome: run.state === 'capacityFull' ? 'capacityFull' : 'completed', counts, total: run.total, sent: run.sent };
      }
      return await new FullResyncPush(resyncIo, input, run, d, started).push();
    },

    /** Marks the resync finished and rebuilds the incremental queue from the full state. */
    async finishFullResync(input: { deviceId: string; runKey: string; state: ResyncState }): Promise<{ queued: number }> {
      return { queued: await finishResync(db(), input.deviceId, input.runKey, input.state) };
    },

    /**
     * §2: compare the device's size and hash with what it should hold — unless pushes are still owed to it (or
     * were in flight when the check arrived), in which case the comparison means nothing and is ignored.
     */
    async evaluateSyncCheck(input: { deviceId: string; checkId: string; stale: boolean }): Promise<{ outcome: CheckOutcome; reason: number }> {
      const check = await findSyncCheck(db(), input.deviceId, input.checkId);
      if (check === undefined) return { outcome: 'ignoredPending', reason: SYNC_CHECK_REASON.routine };
      if (check.outcome !== 'pending') return { outcome: check.outcome, reason: check.reason };
      const d = await loadDevice(input.deviceId);
      const { outcome, detail, expected } = await judgeSyncCheck(db(), input.deviceId, check, input.stale, d?.capacity_full === true);
      await recordCheckOutcome(db(), input.checkId, outcome, detail, expected);
      return { outcome, reason: check.reason };
    },

    /** §8, §10, §14: one command, its answer stored with the device. */
    async sendDeviceCommand(input: DeviceCommandInput): Promise<DeviceCommandResult> {
      const base = { deviceId: input.deviceId, kind: input.kind };
      try {
        if (input.kind === 'checkinUpload') {
          // §8 has no answer: the device starts uploading, and the gateway stores what comes.
          await link().send(input.deviceId, 'checkin_upload', { payload: { days: input.days } });
          return { ...base, code: null, msg: null };
        }
        if (input.kind === 'openingHours') {
          const a = await link().request(input.deviceId, 'access_time_config', { payload: { times: input.times } }, { timeoutMs: deps.requestTimeoutMs });
          const { code, msg } = a.data.payload;
          if (code === CONFIG_ANSWER_CODE.ok) await saveOpeningHours(db(), input.deviceId, input.times);
          return { ...base, code, msg: msg ?? null };
        }
        const a = await link().request(input.deviceId, 'property_update', { payload: { properties: input.properties } }, { timeoutMs: deps.requestTimeoutMs });
        const { code, msg } = a.data.payload;
        if (code === CONFIG_ANSWER_CODE.ok) {
          await mergeProperties(db(), input.deviceId, propertyValues(input.properties, new Date().toISOString()));
        }
        return { ...base, code, msg: msg ?? null };
      } catch (e) {
        throw toDeviceFailure(e);
      }
    },
  };
}

export type DeviceActivities = ReturnType<typeof createDeviceActivities>;
