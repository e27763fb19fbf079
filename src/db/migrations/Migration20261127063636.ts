import { Migration } from '@mikro-orm/migrations';

export class Migration20261127063636 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "photo_rendition" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "photo_id" uuid not null, "profile" varchar(80) not null, "width" int not null, "height" int not null, "byte_size" int not null, "data" bytea not null, constraint "photo_rendition_pkey" primary key ("id"));`);
    this.addSql(`alter table "photo_rendition" add constraint "photo_rendition_photo_id_profile_unique" unique ("photo_id", "profile");`);

    this.addSql(`alter table "photo_rendition" add constraint "photo_rendition_photo_id_foreign" foreign key ("photo_id") references "photo" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "photo_rendition" cascade;`);
  }

}
