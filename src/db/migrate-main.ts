import { loadConfig } from '../config';
import { migrateAndReport } from './orm';

// A deployment's one-shot migration: applies the committed migrations to DATABASE_URL and exits. It needs no dev
// code; `npm run db:migrate` (src/dev/migrate-main.ts) also covers the embedded cluster.
async function main(): Promise<void> {
  const url = loadConfig().database.url;
  if (url === undefined) throw new Error('DATABASE_URL: required to migrate a deployment (npm run db:migrate migrates the embedded cluster)');
  await migrateAndReport(url, (l) => process.stdout.write(l));
}
main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
