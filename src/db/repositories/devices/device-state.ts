import { rows, type Db } from './device-people';
import type { CheckOutcome } from '../../entities';

/** What a sync step needs to know of a device. */
export interface DeviceSyncState {
  online: boolean;
  user_sync_size: number;
  capacity_full: boolean;
  /** The busy alert or a sync error is open: the next success clears them. */
  sync_alerted: boolean;
}

export async function deviceSyncState(db: Db, deviceId: string): Promise<DeviceSyncState | undefined> {
  const [r] = await rows<DeviceSyncState>(
    db,
    `select online, greatest(1, coalesce((model->>'userSyncSize')::int, 1)) as user_sync_size, capacity_full_at is not null as capacity_full,
       (busy_at is not null or last_sync_error is not null) as sync_alerted
     from device where id = ?`,
    [deviceId],
  );
  return r;
}

/** A user_sync_check the device sent (§2), or undefined. */
export async function findSyncCheck(
  db: Db,
  deviceId: string,
  checkId: string,
): Promise<{ size: number; hash: string; reason: number; outcome: CheckOutcome } | undefined> {
  const [check] = await rows<{ size: number; hash: string; reason: number; outcome: CheckOutcome }>(
    db,
    'select size, hash, reason, outcome from device_check where id = ? and device_id = ?',
    [checkId, deviceId],
  );
  return check;
}

export async function recordCheckOutcome(
  db: Db,
  checkId: string,
  outcome: CheckOutcome,
  detail: string | null,
  expected: { size: number; hash: string } | null,
): Promise<void> {
  await db.raw(
    `update device_check set outcome = ?, detail = ?, expected_size = ?, expected_hash = ?, evaluated_at = now() where id = ?`,
    [outcome, detail, expected?.size ?? null, expected?.hash ?? null, checkId],
  );
}

/** The opening hours the device accepted (§10). */
export async function saveOpeningHours(db: Db, deviceId: string, times: unknown): Promise<void> {
  await db.raw('update device set opening_hours = ?::jsonb where id = ?', [JSON.stringify(times), deviceId]);
}

/** Properties the device accepted (§14), merged over what it had. */
export async function mergeProperties(db: Db, deviceId: string, values: Record<string, unknown>): Promise<void> {
  await db.raw('update device set properties = properties || ?::jsonb where id = ?', [
    JSON.stringify(values),
    deviceId,
  ]);
}

/** The stored scrypt hash of a device's secret, or undefined for an unknown device. */
export async function deviceSecretHash(db: Db, deviceId: string): Promise<string | undefined> {
  const [row] = await rows<{ secret_hash: string }>(db, 'select secret_hash from device where id = ?', [deviceId]);
  return row?.secret_hash;
}

/** Marks every online device offline, with a presence row each (a broker that just started has no sessions). */
export async function markAllOffline(db: Db, reason: string): Promise<void> {
  await db.raw(
    `with u as (update device set online = false, online_changed_at = now() where online returning id)
     insert into device_presence (device_id, online, reason, at) select id, false, ?, now() from u`,
    [reason],
  );
}

/** Devices with queued sync operations. */
export async function devicesWithQueuedOps(db: Db): Promise<string[]> {
  return (await rows<{ device_id: string }>(db, 'select distinct device_id from device_sync_op')).map(
    (r) => r.device_id,
  );
}
