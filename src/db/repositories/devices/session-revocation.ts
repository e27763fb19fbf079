import type { DeviceSession } from '../../../targets/devices/client/broker';
import { credentialTag } from '../../../security/device-secret';
import { rows, type Db } from './device-people';

/**
 * NOTIFY channel of revocations: the device row's trigger (Migration20261202060000b) sends the device id when the
 * device is deleted or its secret changes, whoever wrote it (API, psql, a migration). The gateway LISTENs.
 */
export const DEVICE_REVOKED_CHANNEL = 'gatesync_device_revoked';

export interface StaleSession extends DeviceSession {
  why: 'deleted' | 'secretChanged';
}

/** The sessions that must not stay up: their device is no longer registered, or its secret is not the one they used. */
export async function staleSessions(db: Db, sessions: DeviceSession[]): Promise<StaleSession[]> {
  if (sessions.length === 0) return [];
  const registered = await rows<{ id: string; secret_hash: string }>(
    db,
    'select id, secret_hash from device where id = any(?::text[])',
    [sessions.map((x) => x.deviceId)],
  );
  const current = new Map(registered.map((r) => [r.id, credentialTag(r.secret_hash)]));
  const stale: StaleSession[] = [];
  for (const x of sessions) {
    const tag = current.get(x.deviceId);
    if (tag === undefined) stale.push({ ...x, why: 'deleted' });
    else if (tag !== x.credential) stale.push({ ...x, why: 'secretChanged' });
  }
  return stale;
}
