import { Migration } from '@mikro-orm/migrations';

/**
 * Cloud access-control devices (seed 003): registry, explicit assignments, the durable per-device push
 * queue and what each device acknowledged, full-resync cursors, consistency checks, presence, door events,
 * captures and feature errors.
 *
 * Person changes reach the queue through triggers, so every writer (API, imports, seeds, psql) is covered: a
 * change of a person enqueues one op per device that may hold them and NOTIFYs `gatesync_device_sync` with the
 * device id (the gateway turns that into a signal to the device's workflow). Which op is sent is decided later,
 * when the queue is folded against the current state (src/db/repositories/devices/device-queue.ts).
 */
export class Migration20261127090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "device" (
      "id" varchar(64) not null,
      "created_at" timestamptz not null, "updated_at" timestamptz not null,
      "name" varchar(100) not null,
      "secret_hash" text not null,
      "model" jsonb not null,
      "config_params" jsonb not null default '{}',
      "properties" jsonb not null default '{}',
      "opening_hours" jsonb null,
      "careers" jsonb not null default '[]',
      "online" boolean not null default false,
      "online_changed_at" timestamptz null,
      "last_seen_at" timestamptz null,
      "door_status" smallint null,
      "door_status_at" timestamptz null,
      "capacity_full_at" timestamptz null,
      "busy_at" timestamptz null,
      "last_sync_error" text null,
      constraint "device_pkey" primary key ("id"));`);

    this.addSql(`create table "device_assignment" (
      "device_id" varchar(64) not null references "device" ("id") on update cascade on delete cascade,
      "person_id" uuid not null references "person" ("id") on update cascade on delete cascade,
      "created_at" timestamptz not null default now(),
      constraint "device_assignment_pkey" primary key ("device_id", "person_id"));`);
    this.addSql(`create index "device_assignment_person_id_index" on "device_assignment" ("person_id");`);

    this.addSql(`create table "device_sync_op" (
      "seq" bigserial not null,
      "device_id" varchar(64) not null references "device" ("id") on update cascade on delete cascade,
      "user_id" int not null,
      "kind" varchar(8) not null check ("kind" in ('upsert', 'delete')),
      "created_at" timestamptz not null default now(),
      constraint "device_sync_op_pkey" primary key ("seq"));`);
    this.addSql(`create index "device_sync_op_device_user_index" on "device_sync_op" ("device_id", "user_id", "seq");`);

    this.addSql(`create table "device_user" (
      "device_id" varchar(64) not null references "device" ("id") on update cascade on delete cascade,
      "user_id" int not null,
      "version" varchar(32) not null,
      "synced_at" timestamptz not null default now(),
      constraint "device_user_pkey" primary key ("device_id", "user_id"));`);
    this.addSql(`create index "device_user_user_id_index" on "device_user" ("user_id");`);

    this.addSql(`create table "device_resync" (
      "device_id" varchar(64) not null references "device" ("id") on update cascade on delete cascade,
      "run_key" varchar(200) not null,
      "reason" varchar(24) not null,
      "state" varchar(16) not null,
      "total" int not null,
      "sent" int not null default 0,
      "batches" int not null default 0,
      "after_user_id" int not null default 0,
      "reset_acked" boolean not null default false,
      "started_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now(),
      "finished_at" timestamptz null,
      constraint "device_resync_pkey" primary key ("device_id"));`);

    this.addSql(`create table "device_check" (
      "id" bigserial not null,
      "device_id" varchar(64) not null references "device" ("id") on update cascade on delete cascade,
      "mid" varchar(128) not null,
      "received_at" timestamptz not null default now(),
      "size" int not null,
      "hash" varchar(20) not null,
      "reason" smallint not null,
      "outcome" varchar(24) not null default 'pending',
      "expected_size" int null,
      "expected_hash" varchar(20) null,
      "detail" text null,
      "evaluated_at" timestamptz null,
      constraint "device_check_pkey" primary key ("id"));`);
    this.addSql(`create index "device_check_device_id_index" on "device_check" ("device_id", "id");`);

    this.addSql(`create table "device_presence" (
      "id" bigserial not null,
      "device_id" varchar(64) not null references "device" ("id") on update cascade on delete cascade,
      "online" boolean not null,
      "reason" varchar(24) not null,
      "at" timestamptz not null,
      constraint "device_presence_pkey" primary key ("id"));`);
    this.addSql(`create index "device_presence_device_id_index" on "device_presence" ("device_id", "id");`);

    this.addSql(`create table "access_event" (
      "id" bigserial not null,
      "device_id" varchar(64) not null references "device" ("id") on update cascade on delete cascade,
      "user_id" int not null,
      "user_type" smallint not null,
      "access_type" varchar(16) not null,
      "access_time" timestamptz not null,
      "mid" varchar(128) not null,
      "received_at" timestamptz not null default now(),
      constraint "access_event_pkey" primary key ("id"));`);
    // §7: a batch without an ack is uploaded again, so the natural key makes ingestion idempotent.
    this.addSql(`alter table "access_event" add constraint "access_event_natural_unique" unique ("device_id", "user_id", "access_type", "access_time");`);
    this.addSql(`create index "access_event_access_time_index" on "access_event" ("access_time", "id");`);

    this.addSql(`create table "device_capture" (
      "id" bigserial not null,
      "device_id" varchar(64) not null references "device" ("id") on update cascade on delete cascade,
      "user_id" int null,
      "capture_time" timestamptz not null,
      "blob_key" varchar(128) not null,
      "bytes" int not null,
      "content_type" varchar(64) not null,
      "mid" varchar(128) not null,
      "received_at" timestamptz not null default now(),
      constraint "device_capture_pkey" primary key ("id"));`);
    this.addSql(`alter table "device_capture" add constraint "device_capture_natural_unique" unique ("device_id", "capture_time", "blob_key");`);

    this.addSql(`create table "device_feature_error" (
      "id" bigserial not null,
      "device_id" varchar(64) not null references "device" ("id") on update cascade on delete cascade,
      "user_id" int not null,
      "feature_type" varchar(8) not null,
      "feature_index" int not null,
      "status" smallint not null,
      "feature_prefix" varchar(64) null,
      "feature_length" int null,
      "mid" varchar(128) not null,
      "received_at" timestamptz not null default now(),
      constraint "device_feature_error_pkey" primary key ("id"));`);
    this.addSql(`create index "device_feature_error_user_id_index" on "device_feature_error" ("user_id", "id");`);

    // --- the queue's feeders ("a person change becomes per-device operations in a durable queue")
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
    returning device_id
  loop
    perform pg_notify('gatesync_device_sync', did);
  end loop;
  -- A renumbered person: the old id must leave the devices that hold it.
  if tg_op = 'UPDATE' and old.user_id <> new.user_id then
    insert into device_sync_op (device_id, user_id, kind)
    select u.device_id, old.user_id, 'delete' from device_user u where u.user_id = old.user_id;
  end if;
  return null;
end
$fn$;`);
    this.addSql(`create trigger "person_device_sync_insert" after insert on "person" for each row execute function "gatesync_device_enqueue_person"();`);
    this.addSql(`create trigger "person_device_sync_delete" after delete on "person" for each row execute function "gatesync_device_enqueue_person"();`);
    // Only what a device entry carries (or whether the person belongs): a new photo version is not a change here.
    this.addSql(`create trigger "person_device_sync_update" after update of "ci", "given_name", "family_name", "second_family_name", "career_id", "active", "user_id" on "person"
      for each row when ((old.ci, old.given_name, old.family_name, old.second_family_name, old.career_id, old.active, old.user_id)
                 is distinct from (new.ci, new.given_name, new.family_name, new.second_family_name, new.career_id, new.active, new.user_id))
      execute function "gatesync_device_enqueue_person"();`);

    this.addSql(`create or replace function "gatesync_device_enqueue_assignment"() returns trigger language plpgsql as $fn$
declare
  a record;
begin
  if tg_op = 'DELETE' then a := old; else a := new; end if;
  insert into device_sync_op (device_id, user_id, kind)
  select a.device_id, p.user_id, case when tg_op = 'DELETE' then 'delete' else 'upsert' end from person p where p.id = a.person_id;
  perform pg_notify('gatesync_device_sync', a.device_id);
  return null;
end
$fn$;`);
    this.addSql(`create trigger "device_assignment_sync" after insert or delete on "device_assignment" for each row execute function "gatesync_device_enqueue_assignment"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "person_device_sync_insert" on "person";`);
    this.addSql(`drop trigger if exists "person_device_sync_delete" on "person";`);
    this.addSql(`drop trigger if exists "person_device_sync_update" on "person";`);
    this.addSql(`drop function if exists "gatesync_device_enqueue_person"();`);
    for (const t of [
      'device_feature_error',
      'device_capture',
      'access_event',
      'device_presence',
      'device_check',
      'device_resync',
      'device_user',
      'device_sync_op',
      'device_assignment',
      'device',
    ]) {
      this.addSql(`drop table if exists "${t}" cascade;`);
    }
    this.addSql(`drop function if exists "gatesync_device_enqueue_assignment"();`);
  }
}
