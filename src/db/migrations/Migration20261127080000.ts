import { Migration } from '@mikro-orm/migrations';

/** Face descriptors of stored photos, for duplicate-face search. */
export class Migration20261127080000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "photo" add column "face_descriptor" bytea null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "photo" drop column "face_descriptor";`);
  }

}
