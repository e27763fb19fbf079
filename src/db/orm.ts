import 'reflect-metadata';
import { join } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ALL_ENTITIES } from './entities';
import { MIGRATIONS } from './migrations-list';

export const MIGRATIONS_DIR = join(__dirname, 'migrations');

export function ormOptions(clientUrl: string, overrides: Partial<Options> = {}): Options {
  return {
    clientUrl,
    entities: ALL_ENTITIES,
    extensions: [Migrator],
    // Entities declare every column type explicitly, so no reflection of emitted metadata is needed.
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    forceUtcTimezone: true,
    pool: { min: 0, max: 10 },
    migrations: {
      migrationsList: MIGRATIONS,
      path: MIGRATIONS_DIR,
      pathTs: MIGRATIONS_DIR,
      glob: '!(*.d).{js,ts}',
      transactional: true,
      allOrNothing: true,
      snapshot: true,
      snapshotName: '.snapshot-gatesync',
      emit: 'ts',
    },
    ...overrides,
  };
}

export async function initOrm(clientUrl: string, overrides: Partial<Options> = {}): Promise<MikroORM> {
  return MikroORM.init(ormOptions(clientUrl, overrides));
}

/** Applies the committed migrations (never schema:update outside tests — STYLE §13). */
export async function migrateUp(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}

/** The migration commands' work: connect, apply what is pending, say what was applied, disconnect. */
export async function migrateAndReport(url: string, write: (line: string) => void): Promise<void> {
  const orm = await initOrm(url);
  try {
    const applied = await migrateUp(orm);
    write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'up to date\n');
  } finally {
    await orm.close();
  }
}
