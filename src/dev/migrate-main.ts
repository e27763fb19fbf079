import { loadConfig } from '../config';
import { initOrm, migrateUp } from '../db/orm';
import { withDatabase } from './database';

// `npm run db:migrate`: applies committed migrations to DATABASE_URL, or to the embedded cluster when none is set.
// Deployments run src/db/migrate-main.ts, which needs no dev code.
async function main(): Promise<void> {
  const config = loadConfig();
  await withDatabase(config, async (url) => {
    const orm = await initOrm(url);
    try {
      const applied = await migrateUp(orm);
      process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'up to date\n');
    } finally {
      await orm.close();
    }
  });
}
main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
