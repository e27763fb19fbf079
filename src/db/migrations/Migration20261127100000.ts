import { Migration } from '@mikro-orm/migrations';

/** The face index reads the people changed since its last refresh: index `person.updated_at`. */
export class Migration20261127100000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "person_updated_at_index" on "person" ("updated_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "person_updated_at_index";`);
  }

}
