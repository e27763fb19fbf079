import type { Knex } from '@mikro-orm/postgresql';
import { answerRows } from '../../answer-rows';

/** Door events, captures and feature errors as the API lists them (cloud-protocol §5). */

export interface EventFilter {
  device?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  after?: { seconds: number; id: string } | undefined;
  limit: number;
}

/** One keyset page of access events, oldest first. */
export async function pageEvents(db: Knex, f: EventFilter): Promise<Array<{ id: string; accessTime: string }>> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.device !== undefined) {
    where.push('e.device_id = ?');
    params.push(f.device);
  }
  if (f.from !== undefined) {
    where.push('e.access_time >= ?');
    params.push(new Date(f.from));
  }
  if (f.to !== undefined) {
    where.push('e.access_time < ?');
    params.push(new Date(f.to));
  }
  if (f.after !== undefined) {
    where.push('(e.access_time, e.id) > (to_timestamp(?), ?::bigint)');
    params.push(f.after.seconds, f.after.id);
  }
  return answerRows<{ id: string; accessTime: string }>(
    db,
    `select e.id::text, e.device_id as "deviceId", e.user_id as "userId", e.user_type as "userType", e.access_type as "accessType",
       e.access_time as "accessTime", e.received_at as "receivedAt", p.ci
     from access_event e left join person p on p.user_id = e.user_id
     ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
     order by e.access_time, e.id limit ?`,
    [...params, f.limit],
  );
}

/** Snapshots, newest first, of one device or all. */
export async function listCaptures(
  db: Knex,
  device: string | undefined,
  limit: number,
): Promise<Array<{ id: string }>> {
  return answerRows<{ id: string }>(
    db,
    `select id::text, device_id as "deviceId", user_id as "userId", capture_time as "captureTime", bytes, content_type as "contentType", received_at as "receivedAt"
     from device_capture ${device !== undefined ? 'where device_id = ?' : ''} order by id desc limit ?`,
    device !== undefined ? [device, limit] : [limit],
  );
}

/** Where a snapshot's bytes are kept, or undefined. */
export async function findCapture(
  db: Knex,
  id: string,
): Promise<{ blob_key: string; content_type: string } | undefined> {
  const [c] = await answerRows<{ blob_key: string; content_type: string }>(
    db,
    'select blob_key, content_type from device_capture where id = ?::bigint',
    [id],
  );
  return c;
}

/** Feature errors (§5), newest first, per person and/or device. */
export async function listFeatureErrors(
  db: Knex,
  f: { user_id?: number | undefined; device?: string | undefined; limit: number },
): Promise<unknown[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.user_id !== undefined) {
    where.push('f.user_id = ?');
    params.push(f.user_id);
  }
  if (f.device !== undefined) {
    where.push('f.device_id = ?');
    params.push(f.device);
  }
  return answerRows(
    db,
    `select f.id::text, f.device_id as "deviceId", f.user_id as "userId", p.ci, f.feature_type as "featureType", f.feature_index as "index",
       f.status, f.feature_length as "featureLength", f.received_at as "receivedAt"
     from device_feature_error f left join person p on p.user_id = f.user_id
     ${where.length > 0 ? `where ${where.join(' and ')}` : ''} order by f.id desc limit ?`,
    [...params, f.limit],
  );
}
