import type { ResyncState } from '../../entities';
import { clearQueue } from './device-queue';
import { countDesired, enqueueDiff, rows, type Db } from './device-people';

/**
 * The cursor of a full resync (digest §1: first message `reset: true` + `total_count`, later ones neither). The
 * row survives worker restarts; the cursor and `reset_acked` are written together with the acknowledged users,
 * so they always describe a prefix the device confirmed — a retry re-sends from there (entries are idempotent
 * on the device, and an unconfirmed reset is simply sent again).
 */

export interface ResyncRow {
  run_key: string;
  reason: string;
  state: ResyncState;
  total: number;
  sent: number;
  batches: number;
  after_user_id: number;
  reset_acked: boolean;
}

export async function loadResync(db: Db, deviceId: string): Promise<ResyncRow | undefined> {
  const [r] = await rows<ResyncRow>(
    db,
    'select run_key, reason, state, total, sent, batches, after_user_id, reset_acked from device_resync where device_id = ?',
    [deviceId],
  );
  return r;
}

/**
 * Starts (or, for the same run key, resumes) a resync. A new one counts the entries of the task and, for a local
 * anomaly (§2 reason 1), clears the queue. The capacity alert stays until the device acknowledges the reset
 * (pushFullResync): until then nothing says it has room again.
 */
export async function beginResync(
  db: Db,
  input: { deviceId: string; runKey: string; reason: string; clearQueue: boolean },
): Promise<ResyncRow> {
  return db.transaction(async (trx) => {
    await trx.raw('select 1 from device where id = ? for update', [input.deviceId]);
    const existing = await loadResync(trx, input.deviceId);
    if (existing !== undefined && existing.run_key === input.runKey) return existing;
    if (input.clearQueue) await clearQueue(trx, input.deviceId);
    const total = await countDesired(trx, input.deviceId);
    await trx.raw(
      `insert into device_resync (device_id, run_key, reason, state, total, sent, batches, after_user_id, reset_acked, started_at, updated_at, finished_at)
       values (?, ?, ?, 'running', ?, 0, 0, 0, false, now(), now(), null)
       on conflict (device_id) do update set run_key = excluded.run_key, reason = excluded.reason, state = 'running',
         total = excluded.total, sent = 0, batches = 0, after_user_id = 0, reset_acked = false,
         started_at = now(), updated_at = now(), finished_at = null`,
      [input.deviceId, input.runKey, input.reason, total],
    );
    return (await loadResync(trx, input.deviceId)) as ResyncRow;
  });
}

/**
 * Writes what the device confirmed since the last flush, atomically with the cursor. `reset`: the first message
 * was among them, so everything the device held before is gone (§1 "delete all local people").
 */
export async function flushResync(
  db: Db,
  input: {
    deviceId: string;
    runKey: string;
    reset: boolean;
    acked: { u: number; v: string }[];
    afterUserId: number;
    sent: number;
    batches: number;
  },
): Promise<void> {
  await db.transaction(async (trx) => {
    if (input.reset) await trx.raw('delete from device_user where device_id = ?', [input.deviceId]);
    if (input.acked.length > 0) {
      await trx.raw(
        `insert into device_user (device_id, user_id, version, synced_at)
         select ?, x.u, x.v, now() from jsonb_to_recordset(?::jsonb) as x(u int, v text)
         on conflict (device_id, user_id) do update set version = excluded.version, synced_at = excluded.synced_at`,
        [input.deviceId, JSON.stringify(input.acked)],
      );
    }
    await trx.raw(
      `update device_resync set after_user_id = ?, sent = ?, batches = ?, reset_acked = reset_acked or ?, updated_at = now()
       where device_id = ? and run_key = ?`,
      [input.afterUserId, input.sent, input.batches, input.reset, input.deviceId, input.runKey],
    );
  });
}

export async function setResyncState(db: Db, deviceId: string, runKey: string, state: ResyncState): Promise<void> {
  await db.raw(
    `update device_resync set state = ?, updated_at = now(), finished_at = case when ? = 'running' then null else now() end
     where device_id = ? and run_key = ?`,
    [state, state, deviceId, runKey],
  );
}

/**
 * The end of a resync: the queue is rebuilt from the full state — ops that piled up while it ran are
 * replaced by the difference between what the device now holds and what it should.
 */
export async function finishResync(db: Db, deviceId: string, runKey: string, state: ResyncState): Promise<number> {
  return db.transaction(async (trx) => {
    await setResyncState(trx, deviceId, runKey, state);
    await clearQueue(trx, deviceId);
    return enqueueDiff(trx, deviceId);
  });
}
