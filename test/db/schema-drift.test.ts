import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MikroORM } from '@mikro-orm/postgresql';
import { initOrm } from '../../src/db/orm';
import { withDatabase } from '../helpers/global-setup';

/**
 * `npm run db:migration:create` diffs the entities against the schema. If the entities describe the tables
 * differently from the migrations that built them, it writes a migration that "fixes" the schema: before this test
 * it would have dropped `access_event_natural_unique` (the key that makes event ingestion idempotent, §7) and the
 * device tables' indexes. The entities must describe exactly what the migrations build.
 */
describe('entities and migrations describe the same schema', () => {
  const admin = () => new PgClient({ connectionString: withDatabase(inject('databaseAdminUrl'), 'postgres') });
  const dbName = `t_drift_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let orm: MikroORM;

  beforeAll(async () => {
    const a = admin();
    await a.connect();
    await a.query(`create database "${dbName}" template gatesync_template`);
    await a.end();
    orm = await initOrm(withDatabase(inject('databaseAdminUrl'), dbName));
  });
  afterAll(async () => {
    await orm?.close(true);
    const a = admin();
    await a.connect();
    await a.query(`drop database if exists "${dbName}"`);
    await a.end();
  });

  it('should find nothing to change in the migrated database', async () => {
    const sql = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
    const statements = sql
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      // person.user_id is a unique number from its own sequence, not the key; MikroORM reads any nextval default
      // as an auto-increment column and cannot be told otherwise, so it always "restores" the default it has.
      .filter((l) => !/^alter table "person" alter column "user_id" (type int using|set default nextval\('person_user_id_seq'\))/.test(l));
    expect(statements).toEqual([]);
  });
});
