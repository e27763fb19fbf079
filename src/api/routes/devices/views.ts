import type { DeviceRowView } from '../../../db/repositories/devices/device-views';
import type { DeviceResyncProgress } from '../../../contracts';

export type { DeviceRowView } from '../../../db/repositories/devices/device-views';

export function deviceView(r: DeviceRowView) {
  return {
    id: r.id,
    name: r.name,
    model: r.model,
    config: r.config_params,
    properties: r.properties,
    openingHours: r.opening_hours ?? null,
    careers: r.careers,
    online: r.online,
    onlineChangedAt: r.online_changed_at,
    lastSeenAt: r.last_seen_at,
    door: r.door_status === null ? null : { status: r.door_status === 1 ? 'open' : 'closed', at: r.door_status_at },
    alerts: {
      capacityFull: r.capacity_full_at !== null ? { since: r.capacity_full_at } : null,
      busy: r.busy_at !== null ? { at: r.busy_at } : null,
      lastSyncError: r.last_sync_error,
    },
    sync: { queued: r.queued ?? 0, held: r.held ?? 0 },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * A resync's progress as its workflow knows it, with the cursor row's counts when they are newer: the workflow
 * hears of progress when a push activity returns (every few seconds), the row after every flush (250 ms).
 */
export function withLiveCursor(
  p: DeviceResyncProgress | null,
  row: { runKey: string; total: number; sent: number } | undefined,
): DeviceResyncProgress | null {
  if (p === null || row === undefined || row.runKey !== p.runKey) return p;
  const total = Math.max(p.total, row.total);
  const sent = Math.max(p.sent, row.sent);
  return { ...p, total, sent, percent: total > 0 ? Math.min(100, Math.round((sent / total) * 1000) / 10) : p.percent };
}
