import { Migration } from '@mikro-orm/migrations';

/** Why a photo import failed as a whole (a corrupt archive, a folder that went missing), shown on the import. */
export class Migration20261202060000d extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "photo_import" add column "failure_reason" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "photo_import" drop column "failure_reason";`);
  }
}
