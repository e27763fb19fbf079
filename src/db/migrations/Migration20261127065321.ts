import { Migration } from '@mikro-orm/migrations';

export class Migration20261127065321 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "photo_import" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "workflow_id" varchar(200) not null, "source_kind" varchar(10) not null, "source_path" text not null, "state" varchar(20) not null, "total" int not null, "processed" int not null, "counts" jsonb not null, "finished_at" timestamptz null, constraint "photo_import_pkey" primary key ("id"));`);
    this.addSql(`alter table "photo_import" add constraint "photo_import_workflow_id_unique" unique ("workflow_id");`);

    this.addSql(`create table "photo_import_item" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "photo_import_id" uuid not null, "file_name" text not null, "ci" varchar(16) null, "outcome" text check ("outcome" in ('imported', 'unchanged', 'unknownCi', 'failedCheck', 'unreadable', 'skipped')) not null, "reason" text null, constraint "photo_import_item_pkey" primary key ("id"));`);
    this.addSql(`create index "photo_import_item_photo_import_id_outcome_index" on "photo_import_item" ("photo_import_id", "outcome");`);
    this.addSql(`alter table "photo_import_item" add constraint "photo_import_item_photo_import_id_file_name_unique" unique ("photo_import_id", "file_name");`);

    this.addSql(`alter table "photo_import_item" add constraint "photo_import_item_photo_import_id_foreign" foreign key ("photo_import_id") references "photo_import" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "photo_import_item" drop constraint "photo_import_item_photo_import_id_foreign";`);

    this.addSql(`drop table if exists "photo_import" cascade;`);

    this.addSql(`drop table if exists "photo_import_item" cascade;`);
  }

}
