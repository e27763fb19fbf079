import { Migration } from '@mikro-orm/migrations';

/**
 * Deleting a door (or rotating its secret) is how an admin revokes a lost one, so it must work in every state.
 *
 * 1. The queue's feeders only queue for devices that exist, and lock them (FOR KEY SHARE) while they do. Before,
 *    `delete from device` cascaded to `device_assignment`, whose trigger then queued a delete op for the device
 *    being deleted and violated `device_sync_op_device_id_foreign` (500, the door stayed); and a person change
 *    racing a device delete could fail the same way. Now a device deleted by this transaction is invisible to the
 *    trigger (nothing is queued), one being deleted by another is waited for and skipped, and one locked first
 *    cannot be deleted until the ops are committed — which the cascade then removes.
 * 2. Every writer that deletes a device or changes its secret NOTIFYs `gatesync_device_revoked` with the id, so the
 *    gateway drops the live MQTT session at once (src/db/repositories/devices/session-revocation.ts).
 * 3. Door events and snapshots are the door's audit trail: they stay when the device is deleted (no foreign key;
 *    `device_id` keeps the id). Everything else about the device goes with it.
 * 4. `device_alert`: every alert raised on a device and when it cleared (src/db/repositories/devices/device-alerts.ts), seeded
 *    with the alerts open now.
 */
export class Migration20261202060000b extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function "gatesync_device_enqueue_person"() returns trigger language plpgsql as $fn$
declare
  uid int;
  pid uuid;
  old_career text;
  new_career text;
  op_kind text;
  did varchar(64);
begin
  if tg_op = 'DELETE' then
    uid := old.user_id; pid := old.id; op_kind := 'delete';
  else
    uid := new.user_id; pid := new.id; op_kind := case when new.active then 'upsert' else 'delete' end;
  end if;
  if tg_op <> 'INSERT' then select name into old_career from career where id = old.career_id; end if;
  if tg_op <> 'DELETE' then select name into new_career from career where id = new.career_id; end if;
  for did in
    insert into device_sync_op (device_id, user_id, kind)
    select d.id, uid, op_kind from device d
    where (old_career is not null and d.careers @> jsonb_build_array(old_career))
       or (new_career is not null and d.careers @> jsonb_build_array(new_career))
       or exists (select 1 from device_assignment a where a.device_id = d.id and a.person_id = pid)
       or exists (select 1 from device_user u where u.device_id = d.id and u.user_id = uid)
       or (tg_op = 'UPDATE' and old.user_id <> new.user_id
           and exists (select 1 from device_user u where u.device_id = d.id and u.user_id = old.user_id))
    for key share of d
    returning device_id
  loop
    perform pg_notify('gatesync_device_sync', did);
  end loop;
  -- A renumbered person: the old id must leave the devices that hold it.
  if tg_op = 'UPDATE' and old.user_id <> new.user_id then
    insert into device_sync_op (device_id, user_id, kind)
    select d.id, old.user_id, 'delete' from device d
    where exists (select 1 from device_user u where u.device_id = d.id and u.user_id = old.user_id)
    for key share of d;
  end if;
  return null;
end
$fn$;`);

    this.addSql(`create or replace function "gatesync_device_enqueue_assignment"() returns trigger language plpgsql as $fn$
declare
  a record;
  did varchar(64);
begin
  if tg_op = 'DELETE' then a := old; else a := new; end if;
  -- No row for a device this statement is deleting (the cascade that fired this trigger): nothing to queue.
  for did in
    insert into device_sync_op (device_id, user_id, kind)
    select d.id, p.user_id, case when tg_op = 'DELETE' then 'delete' else 'upsert' end
    from device d join person p on p.id = a.person_id
    where d.id = a.device_id
    for key share of d
    returning device_id
  loop
    perform pg_notify('gatesync_device_sync', did);
  end loop;
  return null;
end
$fn$;`);

    this.addSql(`create or replace function "gatesync_device_revoked"() returns trigger language plpgsql as $fn$
begin
  -- The id the live session logged in as: the old one on delete and on a renamed id.
  perform pg_notify('gatesync_device_revoked', old.id);
  return null;
end
$fn$;`);
    this.addSql(`create trigger "device_revoked_delete" after delete on "device" for each row execute function "gatesync_device_revoked"();`);
    this.addSql(`create trigger "device_revoked_update" after update of "secret_hash", "id" on "device"
      for each row when (old.secret_hash is distinct from new.secret_hash or old.id is distinct from new.id)
      execute function "gatesync_device_revoked"();`);

    for (const table of ['access_event', 'device_capture']) {
      this.addSql(`alter table "${table}" drop constraint "${table}_device_id_foreign";`);
    }

    this.addSql(`create table "device_alert" (
      "id" bigserial not null,
      "device_id" varchar(64) not null,
      "kind" varchar(16) not null,
      "raised_at" timestamptz not null default now(),
      "last_raised_at" timestamptz not null default now(),
      "times" int not null default 1,
      "detail" text null,
      "cleared_at" timestamptz null,
      "cleared_by" varchar(24) null,
      constraint "device_alert_pkey" primary key ("id"),
      constraint "device_alert_kind_check" check ("kind" in ('busy', 'capacityFull', 'syncError')));`);
    this.addSql(`alter table "device_alert" add constraint "device_alert_device_id_foreign" foreign key ("device_id") references "device" ("id") on update cascade on delete cascade;`);
    this.addSql(`create index "device_alert_device_id_index" on "device_alert" ("device_id", "id");`);
    // One open alert per device and kind: raising it again updates that row.
    this.addSql(`create unique index "device_alert_open_unique" on "device_alert" ("device_id", "kind") where "cleared_at" is null;`);
    this.addSql(`insert into "device_alert" ("device_id", "kind", "raised_at", "last_raised_at", "detail")
      select id, 'busy', busy_at, busy_at, null from device where busy_at is not null
      union all select id, 'capacityFull', capacity_full_at, capacity_full_at, null from device where capacity_full_at is not null
      union all select id, 'syncError', updated_at, updated_at, last_sync_error from device where last_sync_error is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "device_alert";`);
    for (const table of ['access_event', 'device_capture']) {
      // Rows of deleted devices cannot be referenced again.
      this.addSql(`delete from "${table}" t where not exists (select 1 from device d where d.id = t.device_id);`);
      this.addSql(`alter table "${table}" add constraint "${table}_device_id_foreign" foreign key ("device_id") references "device" ("id") on update cascade on delete cascade;`);
    }
    this.addSql(`drop trigger if exists "device_revoked_delete" on "device";`);
    this.addSql(`drop trigger if exists "device_revoked_update" on "device";`);
    this.addSql(`drop function if exists "gatesync_device_revoked"();`);
    // The feeders stay as up() made them: they only add the existence check and the lock, which the earlier schema
    // needs as much.
  }
}
