import { loadConfig } from '../config';
import { migrateAndReport } from '../db/orm';
import { withDatabase } from './database';

// `npm run db:migrate`: applies committed migrations to DATABASE_URL, or to the embedded cluster when none is set.
// Deployments run src/db/migrate-main.ts, which needs no dev code.
withDatabase(loadConfig(), (url) => migrateAndReport(url, (l) => process.stdout.write(l))).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
