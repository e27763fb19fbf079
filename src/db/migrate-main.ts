import { loadConfig } from '../config';
import { initOrm, migrateUp } from './orm';

// A deployment's one-shot migration: applies the committed migrations to DATABASE_URL and exits. It needs no dev
// code; `npm run db:migrate` (src/dev/migrate-main.ts) also covers the embedded cluster.
async function main(): Promise<void> {
  const config = loadConfig();
  if (config.database.url === undefined) throw new Error('DATABASE_URL: required to migrate a deployment (npm run db:migrate migrates the embedded cluster)');
  const orm = await initOrm(config.database.url);
  try {
    const applied = await migrateUp(orm);
    process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'up to date\n');
  } finally {
    await orm.close();
  }
}
main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
