import { Migration } from '@mikro-orm/migrations';

export class Migration20261127062643 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "photo" add column "source_format" varchar(16) null, add column "checks" jsonb null, add column "checks_passed" boolean not null default true;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "photo" drop column "source_format", drop column "checks", drop column "checks_passed";`);
  }

}
