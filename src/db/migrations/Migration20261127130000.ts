import { Migration } from '@mikro-orm/migrations';

const DEVICE_FKS: [table: string, column: string][] = [
  ['device_assignment', 'device_id'],
  ['device_assignment', 'person_id'],
  ['device_sync_op', 'device_id'],
  ['device_user', 'device_id'],
  ['device_resync', 'device_id'],
  ['device_check', 'device_id'],
  ['device_presence', 'device_id'],
  ['access_event', 'device_id'],
  ['device_capture', 'device_id'],
  ['device_feature_error', 'device_id'],
];

/**
 * The device tables were written by hand (Migration20261127090000), so their foreign keys carry PostgreSQL's
 * names (`…_fkey`); the entities' are MikroORM's (`…_foreign`). Renamed, so the entities describe the schema and
 * `npm run db:migration:create` finds nothing to change (test/db/schema-drift.test.ts).
 */
export class Migration20261127130000 extends Migration {
  override async up(): Promise<void> {
    for (const [table, column] of DEVICE_FKS) {
      this.addSql(`alter table "${table}" rename constraint "${table}_${column}_fkey" to "${table}_${column}_foreign";`);
    }
  }

  override async down(): Promise<void> {
    for (const [table, column] of DEVICE_FKS) {
      this.addSql(`alter table "${table}" rename constraint "${table}_${column}_foreign" to "${table}_${column}_fkey";`);
    }
  }
}
