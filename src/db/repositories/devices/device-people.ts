import type { Knex } from '@mikro-orm/postgresql';
import type { UserDeleteEntry, UserUpsertEntry } from '../../../targets/devices/protocol/messages';
import { XOR_HASH_SQL } from '../../../targets/devices/protocol/xor-hash';

/**
 * Who a device should hold, and what its entry for each of them says — the one place that rule lives in SQL.
 *
 * A device holds the active people of its careers (seed 002 calls them departments) and the people assigned to
 * it explicitly. A person's protocol `user_id` is `person.user_id`, a stable id from a sequence
 * (digest §1: "32-bit int, unique in the organisation"). Each entry has a `version` (md5 of exactly the fields
 * the entry carries), so "does the device hold the current entry?" is a string comparison with `device_user`.
 */

export type Db = Knex | Knex.Transaction;

export const DEVICE_SYNC_CHANNEL = 'gatesync_device_sync';

/** Columns of a desired row; `upsertEntry` turns one into the wire entry. */
export interface DesiredRow {
  user_id: number;
  ci: string;
  given_name: string;
  family_name: string;
  second_family_name: string | null;
  career: string;
  version: string;
}

/** Must hash exactly what `upsertEntry` sends. */
const VERSION_SQL = `md5(concat_ws('|', p.ci, p.given_name, p.family_name, coalesce(p.second_family_name, ''), c.name))`;
/** A `DesiredRow` from `p` (person) and `c` (career). */
const DESIRED_COLS = `p.user_id, p.ci, p.given_name, p.family_name, p.second_family_name, c.name as career, ${VERSION_SQL} as version`;

/**
 * `desired` for the device named by the CTE `dev(id)`. `extraWhere` narrows it (e.g. to a page of user ids);
 * it may reference `p` (person) and `c` (career).
 */
export function desiredCte(extraWhere = 'true'): string {
  // Two joins rather than per-row EXISTS: the career branch walks person by career_id (indexed), so the §2
  // expectation of 10,000 people takes milliseconds. UNION drops a person who is both in a career and assigned.
  return `desired as (
    select ${DESIRED_COLS} from device d
      join career c on d.careers @> jsonb_build_array(c.name)
      join person p on p.career_id = c.id
    where d.id = (select id from dev) and p.active and (${extraWhere})
    union
    select ${DESIRED_COLS} from device_assignment a
      join person p on p.id = a.person_id
      join career c on c.id = p.career_id
    where a.device_id = (select id from dev) and p.active and (${extraWhere})
  )`;
}

/** Only the user ids of `desired` (no entry columns, no md5): what the §2 size and hash need. */
export const desiredIdsCte = `desired_ids as (
    select p.user_id from device d
      join career c on d.careers @> jsonb_build_array(c.name)
      join person p on p.career_id = c.id
    where d.id = (select id from dev) and p.active
    union
    select p.user_id from device_assignment a join person p on p.id = a.person_id
    where a.device_id = (select id from dev) and p.active
  )`;

export const devCte = `dev as (select ?::varchar as id)`;

export async function rows<T>(db: Db, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const result = (await db.raw(sql, params as Knex.RawBinding[])) as { rows: T[] };
  return result.rows;
}

/** §1 user entry for a person: name, `empno` = ci, `dept` = career; no features or password yet (later issue). */
export function upsertEntry(row: DesiredRow): UserUpsertEntry {
  const name = [row.given_name, row.family_name, row.second_family_name]
    .filter((s): s is string => s !== null && s !== '')
    .join(' ')
    .slice(0, 128);
  return { user_id: row.user_id, user_type: 0, name, empno: row.ci.slice(0, 64), dept: row.career.slice(0, 128) };
}

/** §1: a delete entry carries only `user_id` and `user_type`. */
export function deleteEntry(userId: number): UserDeleteEntry {
  return { user_id: userId, user_type: 0, delete: true };
}

/** Size and XOR hash (§2) of what the device should hold, computed in PostgreSQL. */
export async function expectedHash(db: Db, deviceId: string): Promise<{ size: number; hash: string }> {
  const [r] = await rows<{ size: number; hash: string }>(
    db,
    `with ${devCte}, ${desiredIdsCte} select count(*)::int as size, ${XOR_HASH_SQL} as hash from desired_ids`,
    [deviceId],
  );
  return r ?? { size: 0, hash: '0' };
}

/** §1 `total_count`: how many people the device should hold (the hash is not needed for it). */
export async function countDesired(db: Db, deviceId: string): Promise<number> {
  const [r] = await rows<{ size: number }>(db, `with ${devCte}, ${desiredIdsCte} select count(*)::int as size from desired_ids`, [deviceId]);
  return r?.size ?? 0;
}

/** Up to this many careers, a page walks each of them on its own; beyond, it walks everyone in user_id order. */
const PAGE_WALKS_EACH_CAREER_UP_TO = 8;

export interface DesiredPage {
  rows: DesiredRow[];
  /** The last user id the page covered, even if that person was deleted before their entry was read; null: none. */
  upTo: number | null;
  /** Fewer than `limit` people were left: there is nothing after `upTo`. */
  last: boolean;
}

/**
 * The next `limit` desired rows after `afterUserId`, in user_id order (the full resync's stream). Three short
 * queries instead of one the planner could get wrong: right after a bulk import PostgreSQL has no statistics on
 * the new people, and one query sorted every person of the career, entry hash included, for each page (25 ms for
 * 100 rows of 10,000). So: the device's careers; then the page's user ids — a device of a few careers walks each on
 * `person (career_id, user_id)` from the cursor, one of many careers holds most people and walks everyone in
 * user_id order; then the entries of just those ids (someone deleted in between is skipped, and the cursor still
 * moves past them).
 */
export async function desiredPage(db: Db, deviceId: string, afterUserId: number, limit: number): Promise<DesiredPage> {
  const careerIds = (
    await rows<{ id: string }>(db, 'select c.id from device d join career c on d.careers @> jsonb_build_array(c.name) where d.id = ?', [deviceId])
  ).map((r) => r.id);
  const byCareer =
    careerIds.length <= PAGE_WALKS_EACH_CAREER_UP_TO
      ? `select p.user_id from unnest(?::uuid[]) as k(career_id)
           cross join lateral (
             select p.user_id from person p where p.career_id = k.career_id and p.user_id > ? and p.active order by p.user_id limit ?
           ) p`
      : `select p.user_id from person p where p.career_id = any(?::uuid[]) and p.user_id > ? and p.active order by p.user_id limit ?`;
  const ids = (
    await rows<{ user_id: number }>(
      db,
      `(${byCareer})
       union
       (select p.user_id from device_assignment a join person p on p.id = a.person_id
        where a.device_id = ? and p.active and p.user_id > ? order by p.user_id limit ?)
       order by user_id limit ?`,
      [careerIds, afterUserId, limit, deviceId, afterUserId, limit, limit],
    )
  ).map((r) => r.user_id);
  const upTo = ids[ids.length - 1] ?? null;
  if (upTo === null) return { rows: [], upTo, last: true };
  const entries = await rows<DesiredRow>(
    db,
    `select ${DESIRED_COLS} from person p join career c on c.id = p.career_id where p.user_id = any(?::int[]) order by p.user_id`,
    [ids],
  );
  return { rows: entries, upTo, last: ids.length < limit };
}

/**
 * Rebuilds the device's queue from state ("the incremental queue … is rebuilt from the full state"):
 * one op per user whose acknowledged entry differs from the desired one, or who is held but no longer desired.
 * Returns the number of users enqueued and NOTIFYs the gateway when there are any.
 */
export async function enqueueDiff(db: Db, deviceId: string): Promise<number> {
  const result = await rows<{ n: number }>(
    db,
    `with ${devCte}, ${desiredCte()},
      diff as (
        select d.user_id, 'upsert' as kind from desired d
        left join device_user h on h.device_id = (select id from dev) and h.user_id = d.user_id
        where h.user_id is null or h.version <> d.version
        union all
        select h.user_id, 'delete' from device_user h
        where h.device_id = (select id from dev) and not exists (select 1 from desired d where d.user_id = h.user_id)
      ),
      -- Only for a device that exists, locked while the ops are written: a delete racing this waits, or is waited
      -- for and leaves nothing to queue (Migration20261202060000b).
      ins as (
        insert into device_sync_op (device_id, user_id, kind)
        select d.id, diff.user_id, diff.kind from diff, (select id from device where id = (select id from dev) for key share) d returning 1
      )
      select count(*)::int as n from ins`,
    [deviceId],
  );
  const n = result[0]?.n ?? 0;
  if (n > 0) await notifyQueueChanged(db, deviceId);
  return n;
}

export async function notifyQueueChanged(db: Db, deviceId: string): Promise<void> {
  await db.raw('select pg_notify(?, ?)', [DEVICE_SYNC_CHANNEL, deviceId]);
}
