import { Migration } from '@mikro-orm/migrations';

/**
 * A device's full resync reads each career's people in user_id order, a page at a time: index
 * `person (career_id, user_id)`, so a page costs its own rows whatever the planner's statistics say.
 */
export class Migration20261127120000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "person_career_id_user_id_index" on "person" ("career_id", "user_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "person_career_id_user_id_index";`);
  }

}
