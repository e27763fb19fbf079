import { join } from 'node:path';
import type { Config } from '../config';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres';

/** DATABASE_URL when given; otherwise the embedded cluster under the data dir. */
export async function startDatabase(config: Config, log?: (m: string) => void): Promise<EmbeddedPostgresHandle> {
  if (config.database.url !== undefined) return { url: config.database.url, stop: async () => {} };
  return startEmbeddedPostgres({
    dataDir: join(config.dataDir, 'postgres'),
    port: config.database.embeddedPort,
    database: 'gatesync',
    log,
  });
}

export async function withDatabase<T>(config: Config, fn: (url: string) => Promise<T>): Promise<T> {
  const db = await startDatabase(config);
  try {
    return await fn(db.url);
  } finally {
    await db.stop();
  }
}
