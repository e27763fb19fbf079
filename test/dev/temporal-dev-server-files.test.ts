import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/free-ports';
import { resolveTemporalBinary } from '../../src/dev/temporal-binary';
import { startTemporalDevServer } from '../../src/dev/temporal-dev-server';

/** The dev stack's Temporal SQLite file holds workflow histories (people's ci, careers, outcomes): owner-only. */
describe('the Temporal dev server of npm start: its SQLite files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatesync-temporal-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const dbFile = join(dir, 'temporal.sqlite');
  const files = [dbFile, `${dbFile}-wal`, `${dbFile}-shm`];
  const mode = (f: string) => statSync(f).mode & 0o777;

  const withServer = async (check: () => void) => {
    const binary = resolveTemporalBinary({ env: process.env });
    expect(binary.path, `no Temporal CLI: ${binary.tried.join('; ')}`).toBeDefined();
    const server = await startTemporalDevServer({
      binary: binary.path as string,
      port: await freePort(),
      uiPort: await freePort(),
      dbFile,
      namespace: 'default',
    });
    try {
      check();
    } finally {
      await server.stop();
    }
  };

  it('should create the database and its journal files 0600, and tighten files an earlier version left 0644', async () => {
    await withServer(() => {
      // WAL mode (src/dev/temporal-dev-server.ts): the journal files exist while the server runs.
      for (const f of files) expect(mode(f), f).toBe(0o600);
    });
    for (const f of files) if (existsSync(f)) chmodSync(f, 0o644);
    await withServer(() => {
      for (const f of files) expect(mode(f), f).toBe(0o600);
    });
  }, 180_000);
});
