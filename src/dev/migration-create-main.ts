import { loadConfig } from '../config';
import { withDatabase } from './database';
import { initOrm } from '../db/orm';

// `npm run db:migration:create`: diffs the entities against the committed snapshot and writes a migration.
async function main(): Promise<void> {
  const config = loadConfig();
  await withDatabase(config, async (url) => {
    const orm = await initOrm(url);
    try {
      await orm.getMigrator().up();
      const result = await orm.getMigrator().createMigration(undefined, false, process.argv.includes('--initial'));
      process.stdout.write(result.fileName ? `created ${result.fileName}\n` : 'no changes\n');
    } finally {
      await orm.close();
    }
  });
}
main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
