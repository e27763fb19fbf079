import { Migration } from '@mikro-orm/migrations';

/** The terminal's UTC offset from /ISAPI/System/time: `Valid` times are its local wall clock (reference §2.4). */
export class Migration20261202060200c extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "terminal" add column "utc_offset_minutes" int null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "terminal" drop column "utc_offset_minutes";`);
  }
}
