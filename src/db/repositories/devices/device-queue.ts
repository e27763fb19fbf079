import type { UserEntry } from '../../../targets/devices/protocol/messages';
import { deleteEntry, desiredCte, devCte, rows, upsertEntry, type Db, type DesiredRow } from './device-people';

/**
 * The durable per-device push queue and its folding. `device_sync_op` says "user U changed for
 * device D" (seq order); folding looks at the current person and at what the device acknowledged (`device_user`):
 *
 *   desired, entry differs from the held one (or not held) → upsert entry (update+update → only the last)
 *   desired, held entry is current                         → nothing (drop the ops)
 *   not desired, held                                      → delete entry
 *   not desired, not held                                  → nothing (add+delete → nothing, §1 rules)
 *
 * While the device's capacity alert is on (§1 code 1: "clear the remaining insert operations"), an upsert of a
 * user the device does not hold is an insert and is dropped; deletes and updates still go.
 */

export interface PlannedEntry {
  userId: number;
  /** Highest op seq folded into this entry: acknowledging it deletes ops up to here only. */
  lastSeq: string;
  entry: UserEntry;
  /** The entry version an upsert carries; null for a delete. */
  version: string | null;
}

interface CandidateRow extends Partial<DesiredRow> {
  q_user_id: number;
  last_seq: string;
  held_version: string | null;
}

const CANDIDATES_PER_QUERY = 500;

/**
 * The next batch of at most `size` entries, in queue order (first change first). Ops that fold to nothing are
 * deleted on the way, so they never reach the device.
 */
export async function planBatch(db: Db, deviceId: string, size: number, capacityFull: boolean): Promise<PlannedEntry[]> {
  const batch: PlannedEntry[] = [];
  let offset = 0;
  for (;;) {
    const candidates = await rows<CandidateRow>(
      db,
      `with ${devCte},
        q as (
          select user_id, min(seq) as first_seq, max(seq) as last_seq from device_sync_op
          where device_id = (select id from dev) group by user_id order by first_seq offset ? limit ?
        ),
        ${desiredCte('p.user_id in (select user_id from q)')}
       select q.user_id as q_user_id, q.last_seq::text as last_seq, h.version as held_version, d.*
       from q
       left join device_user h on h.device_id = (select id from dev) and h.user_id = q.user_id
       left join desired d on d.user_id = q.user_id
       order by q.first_seq`,
      [deviceId, offset, Math.max(CANDIDATES_PER_QUERY, size)],
    );
    if (candidates.length === 0) return batch;
    const dropped: { u: number; s: string }[] = [];
    for (const c of candidates) {
      if (batch.length >= size) break;
      const desired = c.user_id !== null && c.user_id !== undefined;
      const held = c.held_version !== null;
      if (desired) {
        const row = c as CandidateRow & DesiredRow;
        if (held && c.held_version === row.version) dropped.push({ u: c.q_user_id, s: c.last_seq });
        else if (!held && capacityFull) dropped.push({ u: c.q_user_id, s: c.last_seq });
        else batch.push({ userId: c.q_user_id, lastSeq: c.last_seq, entry: upsertEntry(row), version: row.version });
      } else if (held) {
        batch.push({ userId: c.q_user_id, lastSeq: c.last_seq, entry: deleteEntry(c.q_user_id), version: null });
      } else {
        dropped.push({ u: c.q_user_id, s: c.last_seq });
      }
    }
    if (dropped.length > 0) await deleteOps(db, deviceId, dropped);
    if (batch.length >= size || candidates.length < Math.max(CANDIDATES_PER_QUERY, size)) return batch;
    // The kept candidates stay in the queue ahead of the next page; the dropped ones are gone.
    offset = batch.length;
  }
}

/** Records entries the device applied (code 0, the first `sync_size` of a batch) and consumes their ops. */
export async function acknowledge(db: Db, deviceId: string, acked: PlannedEntry[]): Promise<void> {
  if (acked.length === 0) return;
  const upserts = acked.filter((e) => e.version !== null).map((e) => ({ u: e.userId, v: e.version }));
  const deletes = acked.filter((e) => e.version === null).map((e) => e.userId);
  const run = async (trx: Db) => {
    if (upserts.length > 0) {
      await trx.raw(
        `insert into device_user (device_id, user_id, version, synced_at)
         select ?, x.u, x.v, now() from jsonb_to_recordset(?::jsonb) as x(u int, v text)
         on conflict (device_id, user_id) do update set version = excluded.version, synced_at = excluded.synced_at`,
        [deviceId, JSON.stringify(upserts)],
      );
    }
    if (deletes.length > 0) {
      await trx.raw(`delete from device_user where device_id = ? and user_id in (select jsonb_array_elements_text(?::jsonb)::int)`, [
        deviceId,
        JSON.stringify(deletes),
      ]);
    }
    await deleteOps(trx, deviceId, acked.map((e) => ({ u: e.userId, s: e.lastSeq })));
  };
  await db.transaction(run);
}

async function deleteOps(db: Db, deviceId: string, ops: { u: number; s: string }[]): Promise<void> {
  await db.raw(
    `delete from device_sync_op o using jsonb_to_recordset(?::jsonb) as x(u int, s bigint)
     where o.device_id = ? and o.user_id = x.u and o.seq <= x.s`,
    [JSON.stringify(ops), deviceId],
  );
}

/** Distinct users queued for the device (what "pending pushes" means for §2). */
export async function queuedUsers(db: Db, deviceId: string): Promise<number> {
  const [r] = await rows<{ n: number }>(db, 'select count(distinct user_id)::int as n from device_sync_op where device_id = ?', [deviceId]);
  return r?.n ?? 0;
}

/** Drops the ops that fold to nothing, then counts what is left: the pushes still owed to the device. */
export async function pendingAfterFold(db: Db, deviceId: string, capacityFull: boolean): Promise<number> {
  // Folding a page at a time drops the no-ops; a batch as big as the queue tells whether anything remains.
  const queued = await queuedUsers(db, deviceId);
  if (queued === 0) return 0;
  return (await planBatch(db, deviceId, queued, capacityFull)).length;
}

export async function clearQueue(db: Db, deviceId: string): Promise<number> {
  const r = (await db.raw('delete from device_sync_op where device_id = ?', [deviceId])) as { rowCount: number };
  return r.rowCount;
}
