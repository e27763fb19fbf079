import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/dev/embedded-postgres';
import { SetupStepError } from '../../src/dev/setup-step';
import { freePort } from '../../src/dev/free-ports';

const isRoot = process.getuid?.() === 0;

/**
 * A checkout in a directory other users cannot enter (root's home, any `mktemp -d`): as root the cluster
 * runs as the `postgres` account, which must still reach the binaries and the data. The binaries are
 * copied under a mode-700 directory here, as they sit in a checkout's node_modules there.
 */
describe('embedded PostgreSQL from a mode-700 directory', () => {
  let privateDir: string;
  let binaries: { postgres: string; initdb: string };
  const password = randomBytes(12).toString('base64url');
  const made: string[] = [];

  beforeAll(async () => {
    privateDir = mkdtempSync(join(tmpdir(), 'gatesync-private-'));
    chmodSync(privateDir, 0o700);
    const installed = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
    const native = dirname(dirname(installed.postgres));
    cpSync(native, join(privateDir, 'checkout', 'native'), { recursive: true, verbatimSymlinks: true });
    binaries = { postgres: join(privateDir, 'checkout', 'native', 'bin', 'postgres'), initdb: join(privateDir, 'checkout', 'native', 'bin', 'initdb') };
  });
  afterAll(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
    rmSync(privateDir, { recursive: true, force: true });
  });

  const query = async (url: string, sql: string) => {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  };

  it('given binaries and data under a mode-700 directory, should start, keep data across a restart, and keep the data dir private', async () => {
    const dataDir = join(privateDir, 'checkout', '.data', 'postgres');
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port, database: 'gatesync', password, binaries });
    made.push(first.dataDir);
    // A copy of the binaries the postgres account can reach, made for this test's private folder.
    if (!first.binDir.startsWith(privateDir)) made.push(dirname(first.binDir));
    try {
      await query(first.url, 'create table kept (v text); insert into kept values (\'still here\')');
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedPostgres({ dataDir, port, database: 'gatesync', password, binaries });
    try {
      expect(await query(second.url, 'select v from kept')).toEqual([{ v: 'still here' }]);
      expect(statSync(second.dataDir).mode & 0o777).toBe(0o700);
      if (isRoot) {
        // The postgres account cannot enter the checkout: the cluster lives where it can, linked from .data/postgres.
        expect(lstatSync(dataDir).isSymbolicLink()).toBe(true);
        expect(realpathSync(dataDir)).toBe(second.dataDir);
      } else {
        expect(second.dataDir).toBe(dataDir);
      }
    } finally {
      await second.stop();
    }
  });

  it('given a cluster made with an older password, should log in with it once and change the role to the new one', async () => {
    const dataDir = join(privateDir, 'older', 'postgres');
    const port = await freePort();
    const old = await startEmbeddedPostgres({ dataDir, port, database: 'gatesync', password: 'gatesync-embedded', binaries });
    made.push(old.dataDir);
    await old.stop();
    const now = await startEmbeddedPostgres({ dataDir, port, database: 'gatesync', password, previousPassword: 'gatesync-embedded', binaries });
    try {
      expect(await query(now.url, 'select 1 as one')).toEqual([{ one: 1 }]);
      await expect(query(now.url.replace(encodeURIComponent(password), 'gatesync-embedded'), 'select 1')).rejects.toThrow(/password authentication failed/);
    } finally {
      await now.stop();
    }
  });

  it('given its port taken, should fail naming the step and carrying PostgreSQL\'s own reason', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    const dataDir = join(privateDir, 'busy-port', 'postgres');
    try {
      const started = startEmbeddedPostgres({ dataDir, port, database: 'gatesync', password, binaries });
      const err = await started.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SetupStepError);
      expect((err as SetupStepError).step).toMatch(/start the server on 127\.0\.0\.1:\d+/);
      expect((err as SetupStepError).message).toMatch(/could not bind|Address already in use|could not create any TCP\/IP sockets/);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
      if (existsSync(dataDir)) made.push(realpathSync(dataDir));
    }
  });
});
