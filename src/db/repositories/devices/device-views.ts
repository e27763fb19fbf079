import type { Knex } from '@mikro-orm/postgresql';
import { answerRows } from '../../answer-rows';
import { clearDeviceAlerts } from './device-alerts';
import { enqueueDiff } from './device-people';

/** A device row as `answerRows` reads it (timestamps already ISO 8601); the API shows it without the secret hash. */
export interface DeviceRowView {
  id: string;
  name: string;
  model: Record<string, unknown>;
  config_params: Record<string, unknown>;
  properties: Record<string, unknown>;
  opening_hours: unknown;
  careers: string[];
  online: boolean;
  online_changed_at: string | null;
  last_seen_at: string | null;
  door_status: number | null;
  door_status_at: string | null;
  capacity_full_at: string | null;
  busy_at: string | null;
  last_sync_error: string | null;
  created_at: string;
  updated_at: string;
  queued?: number;
  held?: number;
}

export const DEVICE_COLUMNS = `d.id, d.name, d.model, d.config_params, d.properties, d.opening_hours, d.careers, d.online, d.online_changed_at,
  d.last_seen_at, d.door_status, d.door_status_at, d.capacity_full_at, d.busy_at, d.last_sync_error, d.created_at, d.updated_at,
  (select count(distinct o.user_id)::int from device_sync_op o where o.device_id = d.id) as queued,
  (select count(*)::int from device_user u where u.device_id = d.id) as held`;

/** One device with its queue and held counts, or undefined. */
export async function findDeviceView(db: Knex, id: string): Promise<DeviceRowView | undefined> {
  const [row] = await answerRows<DeviceRowView>(db, `select ${DEVICE_COLUMNS} from device d where d.id = ?`, [id]);
  return row;
}

/** Every device, by id. */
export async function listDeviceViews(db: Knex): Promise<DeviceRowView[]> {
  return answerRows<DeviceRowView>(db, `select ${DEVICE_COLUMNS} from device d order by d.id`);
}

export interface DevicePatch {
  name?: string | undefined;
  model?: unknown;
  configParams?: unknown;
  careers?: string[] | undefined;
}

/** Applies the given fields in one transaction; new careers queue the difference of who the device holds. */
export async function patchDevice(db: Knex, id: string, patch: DevicePatch): Promise<void> {
  await db.transaction(async (trx) => {
    if (patch.name !== undefined)
      await trx.raw('update device set name = ?, updated_at = now() where id = ?', [patch.name, id]);
    if (patch.model !== undefined)
      await trx.raw('update device set model = ?::jsonb, updated_at = now() where id = ?', [
        JSON.stringify(patch.model),
        id,
      ]);
    if (patch.configParams !== undefined) {
      await trx.raw('update device set config_params = ?::jsonb, updated_at = now() where id = ?', [
        JSON.stringify(patch.configParams),
        id,
      ]);
    }
    if (patch.careers !== undefined) {
      await trx.raw('update device set careers = ?::jsonb, updated_at = now() where id = ?', [
        JSON.stringify(patch.careers),
        id,
      ]);
      await enqueueDiff(trx, id);
    }
  });
}

/** The CIs among `cis` that name a person. */
export async function knownCis(db: Knex, cis: readonly string[]): Promise<string[]> {
  const people = await answerRows<{ ci: string }>(db, 'select ci from person where ci = any(?::text[])', [[...cis]]);
  return people.map((p) => p.ci);
}

/** Clears the capacity alert and queues the dropped inserts again (§1 code 1); how many were queued. */
export async function clearCapacityAlert(db: Knex, deviceId: string): Promise<number> {
  return db.transaction(async (trx) => {
    await clearDeviceAlerts(trx, deviceId, ['capacityFull'], 'admin');
    return enqueueDiff(trx, deviceId);
  });
}

/** Assigns the people with these CIs; the assignment trigger queues each for the device. */
export async function assignPeople(db: Knex, deviceId: string, cis: readonly string[]): Promise<void> {
  await db.raw(
    `insert into device_assignment (device_id, person_id, created_at) select ?, id, now() from person where ci = any(?::text[])
     on conflict do nothing`,
    [deviceId, [...cis]],
  );
}

/** False when the person was not assigned to the device. */
export async function unassignPerson(db: Knex, deviceId: string, ci: string): Promise<boolean> {
  const removed = (await db.raw(
    'delete from device_assignment where device_id = ? and person_id = (select id from person where ci = ?)',
    [deviceId, ci],
  )) as { rowCount: number };
  return removed.rowCount > 0;
}

/** The stored full-resync row of a device, or undefined. */
export async function resyncView(
  db: Knex,
  deviceId: string,
): Promise<{ runKey: string; total: number; sent: number } | undefined> {
  const [row] = await answerRows<{ runKey: string; total: number; sent: number }>(
    db,
    `select run_key as "runKey", reason, state, total, sent, batches, reset_acked as "resetAcked", started_at as "startedAt", finished_at as "finishedAt"
     from device_resync where device_id = ?`,
    [deviceId],
  );
  return row;
}

/** Consistency checks (user_sync_check), newest first. */
export async function listChecks(db: Knex, deviceId: string, limit: number): Promise<unknown[]> {
  return answerRows(
    db,
    `select id::text, mid, received_at as "receivedAt", size, hash, reason, outcome, expected_size as "expectedSize", expected_hash as "expectedHash",
       detail, evaluated_at as "evaluatedAt" from device_check where device_id = ? order by id desc limit ?`,
    [deviceId, limit],
  );
}

/** Connections and disconnections, newest first. */
export async function listPresence(db: Knex, deviceId: string, limit: number): Promise<unknown[]> {
  return answerRows(db, 'select online, reason, at from device_presence where device_id = ? order by id desc limit ?', [
    deviceId,
    limit,
  ]);
}
