import { Migration } from '@mikro-orm/migrations';

/** Uploaded photos waiting for the worker's intake: the API stores bytes here, the worker decodes and removes them. */
export class Migration20261202180000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "photo_upload" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "person_id" uuid not null, "declared_format" varchar(16) not null, "data" bytea not null, constraint "photo_upload_pkey" primary key ("id"));`);
    this.addSql(`create index "photo_upload_created_at_index" on "photo_upload" ("created_at");`);
    this.addSql(`alter table "photo_upload" add constraint "photo_upload_person_id_foreign" foreign key ("person_id") references "person" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "photo_upload" cascade;`);
  }
}
