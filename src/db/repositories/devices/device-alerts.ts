import type { DeviceAlertKind } from '../../entities';
import { rows, type Db } from './device-people';

/**
 * The one writer of a device's alerts. Each kind has a column on `device` that the device view and the sync read
 * (`busy_at`, `capacity_full_at`, `last_sync_error`) and a history row in `device_alert`; both change in one
 * statement here, so they never disagree. An alert clears itself when its cause is gone:
 *
 *   busy (§1 code 2)          raised on code 2; cleared by the next code 0, or when nothing is left to push
 *   capacityFull (§1 code 1)  raised on code 1; cleared when a full resync's reset is acknowledged (the device
 *                             emptied itself and takes inserts again), or by an admin
 *   syncError                 the last push failure (busy, full, no progress, no answer); cleared by the next
 *                             code 0, or when nothing is left to push
 */

/** Why an alert was cleared (`device_alert.cleared_by`). */
export type AlertClearCause =
  /** The device answered a push with code 0. */
  | 'pushAcknowledged'
  /** Nothing is left to push. */
  | 'queueDrained'
  /** A full resync's first message (`reset: true`) was acknowledged. */
  | 'resetAcknowledged'
  /** DELETE /api/devices/:id/capacity-alert. */
  | 'admin';

const COLUMN_WHEN_RAISED: Record<DeviceAlertKind, string> = {
  // The last busy answer: the pause runs from there.
  busy: 'busy_at = now()',
  // Since when inserts have stopped.
  capacityFull: 'capacity_full_at = coalesce(capacity_full_at, now())',
  syncError: 'last_sync_error = ?',
};

const COLUMN_WHEN_CLEARED: Record<DeviceAlertKind, string> = {
  busy: 'busy_at = null',
  capacityFull: 'capacity_full_at = null',
  syncError: 'last_sync_error = null',
};

/** Raises the alert (or, when it is open, counts it again and keeps the latest detail). Nothing for an unknown device. */
export async function raiseDeviceAlert(db: Db, deviceId: string, kind: DeviceAlertKind, detail: string): Promise<void> {
  const columnParams = kind === 'syncError' ? [detail] : [];
  await db.raw(
    `with d as (update device set ${COLUMN_WHEN_RAISED[kind]} where id = ? returning id),
     again as (
       update device_alert set times = times + 1, last_raised_at = now(), detail = ?
       where device_id = (select id from d) and kind = ? and cleared_at is null returning 1
     )
     insert into device_alert (device_id, kind, raised_at, last_raised_at, times, detail)
     select id, ?, now(), now(), 1, ? from d where not exists (select 1 from again)
     on conflict (device_id, kind) where cleared_at is null do nothing`,
    [...columnParams, deviceId, detail, kind, kind, detail],
  );
}

/** Clears the open alerts of these kinds, recording why. */
export async function clearDeviceAlerts(
  db: Db,
  deviceId: string,
  kinds: readonly DeviceAlertKind[],
  cause: AlertClearCause,
): Promise<void> {
  if (kinds.length === 0) return;
  await db.raw(
    `with d as (update device set ${kinds.map((k) => COLUMN_WHEN_CLEARED[k]).join(', ')} where id = ? returning id)
     update device_alert set cleared_at = now(), cleared_by = ?
     where device_id = (select id from d) and kind = any(?::text[]) and cleared_at is null`,
    [deviceId, cause, [...kinds]],
  );
}

export interface DeviceAlertView {
  id: string;
  kind: DeviceAlertKind;
  raisedAt: string;
  lastRaisedAt: string;
  times: number;
  detail: string | null;
  clearedAt: string | null;
  clearedBy: AlertClearCause | null;
}

/** A page of the device's alert history, newest first; `next` is the cursor of the following page. */
export async function alertHistory(
  db: Db,
  deviceId: string,
  page: { limit: number; after?: string; kind?: DeviceAlertKind; open?: boolean },
): Promise<{ items: DeviceAlertView[]; next: string | null }> {
  const where = ['device_id = ?'];
  const params: unknown[] = [deviceId];
  if (page.after !== undefined) {
    where.push('id < ?::bigint');
    params.push(page.after);
  }
  if (page.kind !== undefined) {
    where.push('kind = ?');
    params.push(page.kind);
  }
  if (page.open !== undefined) where.push(page.open ? 'cleared_at is null' : 'cleared_at is not null');
  const found = await rows<{
    id: string;
    kind: DeviceAlertKind;
    raised_at: Date | string;
    last_raised_at: Date | string;
    times: number;
    detail: string | null;
    cleared_at: Date | string | null;
    cleared_by: AlertClearCause | null;
  }>(
    db,
    `select id::text, kind, raised_at, last_raised_at, times, detail, cleared_at, cleared_by from device_alert
     where ${where.join(' and ')} order by id desc limit ?`,
    [...params, page.limit],
  );
  // The driver may hand timestamps over as Date or as text.
  const iso = (t: Date | string): string => new Date(t).toISOString();
  const items = found.map((r) => ({
    id: r.id,
    kind: r.kind,
    raisedAt: iso(r.raised_at),
    lastRaisedAt: iso(r.last_raised_at),
    times: r.times,
    detail: r.detail,
    clearedAt: r.cleared_at === null ? null : iso(r.cleared_at),
    clearedBy: r.cleared_by,
  }));
  const last = items.at(-1);
  return { items, next: items.length === page.limit && last !== undefined ? last.id : null };
}
