import { Migration } from '@mikro-orm/migrations';

/**
 * A terminal capture is an attempt with a state (waiting → captured → binding → bound, or cancelled / failed) and the
 * workflow run it belongs to, so a cancelled enrolment's late capture is never stored, bound or offered to
 * sync-to-device (seed 002 steps 2–3). A waiting attempt has no picture URL yet. Existing captures are bound or
 * captured, by their bound_at.
 */
export class Migration20261202060100c extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "terminal_capture" add column "state" text check ("state" in ('waiting', 'captured', 'binding', 'bound', 'cancelled', 'failed')) not null default 'waiting', add column "run_id" varchar(64) null;`,
    );
    this.addSql(`update "terminal_capture" set "state" = case when "bound_at" is null then 'captured' else 'bound' end;`);
    this.addSql(`alter table "terminal_capture" alter column "face_data_url" drop not null;`);
    this.addSql(`create index "terminal_capture_run_id_index" on "terminal_capture" ("run_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "terminal_capture_run_id_index";`);
    this.addSql(`delete from "terminal_capture" where "face_data_url" is null;`);
    this.addSql(`alter table "terminal_capture" alter column "face_data_url" set not null;`);
    this.addSql(`alter table "terminal_capture" drop column "state", drop column "run_id";`);
  }
}
