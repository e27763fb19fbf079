import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres';

/** The role password of clusters made before it was generated per data dir. */
const LEGACY_EMBEDDED_PASSWORD = 'gatesync-embedded';

/** DATABASE_URL when given; otherwise the embedded cluster under the data dir. */
export async function startDatabase(config: Config, log?: (m: string) => void): Promise<EmbeddedPostgresHandle> {
  if (config.database.url !== undefined) return { url: config.database.url, dataDir: '', binDir: '', stop: async () => {} };
  const existing = existsSync(join(config.dataDir, 'postgres', 'PG_VERSION'));
  const password = embeddedPostgresPassword(config.dataDir);
  return startEmbeddedPostgres({
    dataDir: join(config.dataDir, 'postgres'),
    port: config.database.embeddedPort,
    database: 'gatesync',
    password: password.value,
    // A cluster an older gatesync made still has the old constant: it is changed to the new password at start.
    previousPassword: existing && password.generated ? LEGACY_EMBEDDED_PASSWORD : undefined,
    log,
  });
}

/**
 * The embedded cluster's password: generated once per data dir and kept beside the admin token
 * (`<dataDir>/postgres-password`, mode 600), so no two installations share one.
 */
export function embeddedPostgresPassword(dataDir: string): { value: string; generated: boolean } {
  const file = join(dataDir, 'postgres-password');
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), generated: false };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const value = randomBytes(24).toString('base64url');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return { value, generated: true };
}

export async function withDatabase<T>(config: Config, fn: (url: string) => Promise<T>): Promise<T> {
  const db = await startDatabase(config);
  try {
    return await fn(db.url);
  } finally {
    await db.stop();
  }
}
