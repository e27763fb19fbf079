import { Migration } from '@mikro-orm/migrations';

/** Terminals over ISAPI: registry, assignments, per-person state, captures; people's numeric user id. */
export class Migration20261127081000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "terminal" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(100) not null, "host" varchar(255) not null, "port" int not null, "scheme" text check ("scheme" in ('http', 'https')) not null, "username" varchar(64) not null, "password_sealed" text not null, "ca_pem" text null, "insecure_tls" boolean not null, "careers" jsonb not null, "model" varchar(64) null, "firmware" varchar(64) null, "serial_number" varchar(64) null, "capabilities" jsonb null, "online" boolean not null, "last_contact_at" timestamptz null, "last_error" text null, constraint "terminal_pkey" primary key ("id"));`);
    this.addSql(`alter table "terminal" add constraint "terminal_name_unique" unique ("name");`);

    this.addSql(`create table "terminal_assignment" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "terminal_id" uuid not null, "person_id" uuid not null, constraint "terminal_assignment_pkey" primary key ("id"));`);
    this.addSql(`alter table "terminal_assignment" add constraint "terminal_assignment_terminal_id_person_id_unique" unique ("terminal_id", "person_id");`);

    this.addSql(`create table "terminal_capture" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "terminal_id" uuid not null, "ci" varchar(16) null, "face_data_url" text not null, "data" bytea null, "bound_at" timestamptz null, constraint "terminal_capture_pkey" primary key ("id"));`);

    this.addSql(`create table "terminal_person_state" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "terminal_id" uuid not null, "employee_no" varchar(32) not null, "synced_name" varchar(128) null, "synced_validity" varchar(64) null, "face_bound" boolean not null default false, "face_method" text check ("face_method" in ('capture', 'upload')) null, "face_photo_version" varchar(64) null, "last_result" varchar(32) null, "last_message" text null, "synced_at" timestamptz null, constraint "terminal_person_state_pkey" primary key ("id"));`);
    this.addSql(`alter table "terminal_person_state" add constraint "terminal_person_state_terminal_id_employee_no_unique" unique ("terminal_id", "employee_no");`);

    this.addSql(`create table "terminal_sync_op" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "run_key" varchar(120) not null, "seq" int not null, "terminal_id" uuid not null, "employee_no" varchar(32) not null, "op" varchar(16) not null, "status" text check ("status" in ('pending', 'done', 'failed')) not null, "outcome" varchar(16) null, "detail" text null, constraint "terminal_sync_op_pkey" primary key ("id"));`);
    this.addSql(`alter table "terminal_sync_op" add constraint "terminal_sync_op_run_key_seq_unique" unique ("run_key", "seq");`);
    this.addSql(`alter table "terminal_sync_op" add constraint "terminal_sync_op_terminal_id_foreign" foreign key ("terminal_id") references "terminal" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "terminal_assignment" add constraint "terminal_assignment_terminal_id_foreign" foreign key ("terminal_id") references "terminal" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "terminal_assignment" add constraint "terminal_assignment_person_id_foreign" foreign key ("person_id") references "person" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "terminal_capture" add constraint "terminal_capture_terminal_id_foreign" foreign key ("terminal_id") references "terminal" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "terminal_person_state" add constraint "terminal_person_state_terminal_id_foreign" foreign key ("terminal_id") references "terminal" ("id") on update cascade on delete cascade;`);

    // Devices' numeric user id (seed 002 `id`, cloud protocol `user_id`): existing people get numbers too.
    this.addSql(`create sequence if not exists "person_user_id_seq" as int;`);
    this.addSql(`alter table "person" add column "user_id" int not null default nextval('person_user_id_seq');`);
    this.addSql(`alter sequence "person_user_id_seq" owned by "person"."user_id";`);
    this.addSql(`alter table "person" add constraint "person_user_id_unique" unique ("user_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "terminal_assignment" drop constraint "terminal_assignment_terminal_id_foreign";`);

    this.addSql(`alter table "terminal_capture" drop constraint "terminal_capture_terminal_id_foreign";`);

    this.addSql(`alter table "terminal_person_state" drop constraint "terminal_person_state_terminal_id_foreign";`);

    this.addSql(`drop table if exists "terminal_sync_op" cascade;`);
    this.addSql(`drop table if exists "terminal" cascade;`);

    this.addSql(`drop table if exists "terminal_assignment" cascade;`);

    this.addSql(`drop table if exists "terminal_capture" cascade;`);

    this.addSql(`drop table if exists "terminal_person_state" cascade;`);

    this.addSql(`alter table "person" drop constraint "person_user_id_unique";`);
    this.addSql(`alter table "person" drop column "user_id";`);
  }

}
