import { Migration } from '@mikro-orm/migrations';

export class Migration20261127052610 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "career" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(200) not null, constraint "career_pkey" primary key ("id"));`);
    this.addSql(`alter table "career" add constraint "career_name_unique" unique ("name");`);

    this.addSql(`create table "person" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "ci" varchar(16) not null, "given_name" varchar(256) not null, "family_name" varchar(256) not null, "second_family_name" varchar(256) null, "career_id" uuid not null, "kind" text check ("kind" in ('student', 'staff')) not null, "active" boolean not null, "photo_version" varchar(64) null, constraint "person_pkey" primary key ("id"));`);
    this.addSql(`alter table "person" add constraint "person_ci_unique" unique ("ci");`);
    this.addSql(`create index "person_career_id_ci_index" on "person" ("career_id", "ci");`);

    this.addSql(`create table "hikcentral_person_state" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "person_id" uuid not null, "hik_person_id" varchar(64) null, "synced_photo_version" varchar(64) null, "last_result" text check ("last_result" in ('synced', 'alreadyRegistered', 'photoRejected', 'failed')) null, "last_code" varchar(64) null, "last_message" text null, "synced_at" timestamptz null, constraint "hikcentral_person_state_pkey" primary key ("id"));`);
    this.addSql(`alter table "hikcentral_person_state" add constraint "hikcentral_person_state_person_id_unique" unique ("person_id");`);

    this.addSql(`create table "photo" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "person_id" uuid not null, "version" varchar(64) not null, "format" varchar(16) not null, "width" int not null, "height" int not null, "byte_size" int not null, "data" bytea not null, constraint "photo_pkey" primary key ("id"));`);
    this.addSql(`alter table "photo" add constraint "photo_person_id_version_unique" unique ("person_id", "version");`);

    this.addSql(`create table "sync_run" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "workflow_id" varchar(200) not null, "first_run_id" varchar(64) not null, "kind" varchar(40) not null, "career" varchar(200) null, "params" jsonb not null, "total" int not null, "processed" int not null, "counters" jsonb not null, "state" varchar(20) not null, "last_error" text null, "started_at" timestamptz not null, "finished_at" timestamptz null, constraint "sync_run_pkey" primary key ("id"));`);
    this.addSql(`create index "sync_run_workflow_id_index" on "sync_run" ("workflow_id");`);
    this.addSql(`alter table "sync_run" add constraint "sync_run_first_run_id_unique" unique ("first_run_id");`);
    this.addSql(`create index "sync_run_state_index" on "sync_run" ("state");`);

    this.addSql(`create table "sync_outcome" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "run_id" uuid not null, "ci" varchar(16) not null, "outcome" text check ("outcome" in ('synced', 'alreadyRegistered', 'photoRejected', 'failed')) not null, "code" varchar(64) null, "message" text null, constraint "sync_outcome_pkey" primary key ("id"));`);
    this.addSql(`create index "sync_outcome_run_id_outcome_ci_index" on "sync_outcome" ("run_id", "outcome", "ci");`);
    this.addSql(`alter table "sync_outcome" add constraint "sync_outcome_run_id_ci_unique" unique ("run_id", "ci");`);

    this.addSql(`alter table "person" add constraint "person_career_id_foreign" foreign key ("career_id") references "career" ("id") on update cascade;`);

    this.addSql(`alter table "hikcentral_person_state" add constraint "hikcentral_person_state_person_id_foreign" foreign key ("person_id") references "person" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "photo" add constraint "photo_person_id_foreign" foreign key ("person_id") references "person" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "sync_outcome" add constraint "sync_outcome_run_id_foreign" foreign key ("run_id") references "sync_run" ("id") on update cascade on delete cascade;`);
  }

}
