import type { AccessType, UserType } from '../../../targets/devices/protocol/messages';
import { rows, type Db } from './device-people';
import type { CaptureStore } from './capture-store';

/** A CTE that marks the device seen and yields its id (no row when it is not registered); its one parameter is the id. */
const SEEN = 'seen as (update device set last_seen_at = now() where id = ? returning id)';

/**
 * Writes what devices report: presence, consistency checks, door events, door status,
 * snapshots and feature errors. Every write is idempotent where the device may repeat itself (§7, §9). Each one
 * says whether the device is registered: nothing is written for one that is not (deleted while its session
 * lasted), and the gateway then neither acknowledges nor keeps the session.
 */
export class DeviceInbox {
  constructor(
    private readonly db: Db,
    private readonly captures: CaptureStore,
  ) {}

  /** Returns false when the device is not in the registry (nothing is written then). */
  async recordPresence(deviceId: string, online: boolean, reason: string, at: Date): Promise<boolean> {
    const r = await rows<{ n: number }>(
      this.db,
      `with u as (
         update device set online = ?, online_changed_at = ?, last_seen_at = greatest(coalesce(last_seen_at, ?), ?) where id = ? returning id
       ), ins as (
         insert into device_presence (device_id, online, reason, at) select id, ?, ?, ? from u returning 1
       ) select count(*)::int as n from ins`,
      [online, at, at, at, deviceId, online, reason, at],
    );
    return (r[0]?.n ?? 0) > 0;
  }

  /**
   * With an external broker gatesync sees no sessions: a device that publishes is online. True when
   * this message turned an offline device online (a presence change worth signalling).
   */
  async markSeenOnline(deviceId: string, at: Date): Promise<boolean> {
    const r = await rows<{ n: number }>(
      this.db,
      `with u as (
         update device set online = true, online_changed_at = ?, last_seen_at = ? where id = ? and not online returning id
       ), ins as (
         insert into device_presence (device_id, online, reason, at) select id, true, 'message', ? from u returning 1
       ) select count(*)::int as n from ins`,
      [at, at, deviceId, at],
    );
    return (r[0]?.n ?? 0) > 0;
  }

  /** §2: stored at once with outcome `pending`; the device's workflow evaluates it. */
  async storeCheck(deviceId: string, mid: string, p: { size: number; hash: string; reason: number }): Promise<string | undefined> {
    const [r] = await rows<{ id: string }>(
      this.db,
      `with ${SEEN}
       insert into device_check (device_id, mid, received_at, size, hash, reason, outcome)
       select id, ?, now(), ?, ?, ?, 'pending' from seen returning id::text`,
      [deviceId, mid, p.size, p.hash, p.reason],
    );
    return r?.id;
  }

  /**
   * §7: one statement per batch; the natural key drops events already stored (a re-sent batch). Returns how many
   * were new, or undefined when the device is not registered.
   */
  async storeAccessEvents(
    deviceId: string,
    mid: string,
    users: { user_id: number; user_type: UserType; access_type: AccessType; access_time: number }[],
  ): Promise<number | undefined> {
    if (users.length === 0) return (await this.touch(deviceId)) ? 0 : undefined;
    const records = users.map((u) => ({ u: u.user_id, ut: u.user_type, ty: u.access_type, t: u.access_time }));
    const [r] = await rows<{ known: boolean; n: number }>(
      this.db,
      `with ${SEEN},
       ins as (
         insert into access_event (device_id, user_id, user_type, access_type, access_time, mid, received_at)
         select seen.id, x.u, x.ut, x.ty, to_timestamp(x.t), ?, now()
         from seen, jsonb_to_recordset(?::jsonb) as x(u int, ut smallint, ty text, t bigint)
         on conflict on constraint access_event_natural_unique do nothing
         returning 1
       ) select exists (select 1 from seen) as known, (select count(*)::int from ins) as n`,
      [deviceId, mid, JSON.stringify(records)],
    );
    return r?.known === true ? r.n : undefined;
  }

  /** §9: the latest door state. */
  async storeDoorStatus(deviceId: string, status: number, at: Date): Promise<boolean> {
    const r = (await this.db.raw(
      'update device set door_status = ?, door_status_at = ?, last_seen_at = now() where id = ?',
      [status, at, deviceId],
    )) as { rowCount: number };
    return r.rowCount > 0;
  }

  /** §13: the image goes to the blob store, the row keeps its key. Nothing is written for an unknown device. */
  async storeCapture(
    deviceId: string,
    mid: string,
    p: { user_id?: number; capture_data: string; capture_time: number },
  ): Promise<boolean> {
    if (!(await this.touch(deviceId))) return false;
    const blob = await this.captures.put(Buffer.from(p.capture_data, 'base64'));
    const [r] = await rows<{ known: boolean }>(
      this.db,
      `with ${SEEN},
       ins as (
         insert into device_capture (device_id, user_id, capture_time, blob_key, bytes, content_type, mid, received_at)
         select id, ?, to_timestamp(?), ?, ?, ?, ?, now() from seen
         on conflict on constraint device_capture_natural_unique do nothing
       ) select exists (select 1 from seen) as known`,
      [deviceId, p.user_id ?? null, p.capture_time, blob.key, blob.bytes, blob.contentType, mid],
    );
    return r?.known === true;
  }

  /** §5: shown per person (by user id). */
  async storeFeatureErrors(
    deviceId: string,
    mid: string,
    list: { user_id: number; feature_type: string; feature_value?: string; feature_length?: number; index: number; status: number }[],
  ): Promise<boolean> {
    if (list.length === 0) return this.touch(deviceId);
    const records = list.map((e) => ({
      u: e.user_id,
      ft: e.feature_type,
      i: e.index,
      s: e.status,
      fv: e.feature_value?.slice(0, 64) ?? null,
      fl: e.feature_length ?? null,
    }));
    const [r] = await rows<{ known: boolean }>(
      this.db,
      `with ${SEEN},
       ins as (
         insert into device_feature_error (device_id, user_id, feature_type, feature_index, status, feature_prefix, feature_length, mid, received_at)
         select seen.id, x.u, x.ft, x.i, x.s, x.fv, x.fl, ?, now()
         from seen, jsonb_to_recordset(?::jsonb) as x(u int, ft text, i int, s smallint, fv text, fl int)
       ) select exists (select 1 from seen) as known`,
      [deviceId, mid, JSON.stringify(records)],
    );
    return r?.known === true;
  }

  /** Marks the device seen; false when it is not registered. */
  async touch(deviceId: string): Promise<boolean> {
    const r = (await this.db.raw('update device set last_seen_at = now() where id = ?', [deviceId])) as { rowCount: number };
    return r.rowCount > 0;
  }
}
