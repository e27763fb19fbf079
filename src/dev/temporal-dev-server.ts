import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../security/private-files';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_KEYS } from '../contracts';

/**
 * gatesync paces HikCentral requests on workflow timers, which need to fire within a few ms. Out of the
 * box the history service may fire a timer up to `timerProcessorMaxTimeShift` (1 s) late, and its timer
 * queue reader is throttled to 20 polls/s, which adds 100 ms steps: a 300 ms pacing timer became ~1 s,
 * then ~400 ms. Measured on the dev server: mean lateness 805 ms → 41 ms → 17 ms with both settings.
 */
export const TEMPORAL_DEV_SERVER_TIMER_ARGS = [
  '--dynamic-config-value',
  'history.timerProcessorMaxTimeShift="5ms"',
  '--dynamic-config-value',
  'history.timerProcessorMaxPollRPS=1000',
  '--dynamic-config-value',
  'history.timerProcessorMaxPollHostRPS=1000',
];

export interface TemporalDevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/**
 * Workflow histories name people (ci, careers, outcomes): the SQLite file and its journals are owner-only. The
 * server creates them 0644 under the usual umask, and sets up its schema only in a file that does not exist
 * yet, so it is spawned with an owner-only umask (a file left 0644 by an earlier version is tightened).
 */
const OWNER_ONLY_UMASK = 0o077;

function tightenSqliteFiles(dbFile: string): void {
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) if (existsSync(f)) chmodSync(f, PRIVATE_FILE_MODE);
}

/** spawn() forks at once, so the child inherits the umask of this moment; the process's own is restored. */
function spawnOwnerOnly(binary: string, args: string[]): ChildProcess {
  const previous = process.umask(OWNER_ONLY_UMASK);
  try {
    return spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } finally {
    process.umask(previous);
  }
}

const SA_TYPE: Record<string, string> = { KEYWORD: 'Keyword', TEXT: 'Text', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' };

/**
 * `temporal server start-dev` with its Web UI, state in a SQLite file (so runs survive a restart of
 * `npm start`) and gatesync's search attributes registered.
 */
export async function startTemporalDevServer(opts: {
  binary: string;
  port: number;
  uiPort: number;
  dbFile: string;
  namespace: string;
  log?: (line: string) => void;
}): Promise<TemporalDevServer> {
  const dbFile = resolve(opts.dbFile);
  // The folder is only created here, not re-moded: it is the data dir, whose mode start-up decides.
  mkdirSync(dirname(dbFile), { recursive: true, mode: PRIVATE_DIR_MODE });
  tightenSqliteFiles(dbFile);
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--ui-port',
    String(opts.uiPort),
    '--db-filename',
    dbFile,
    '--namespace',
    opts.namespace,
    '--log-level',
    'error',
    // Write-ahead log without a sync per commit: survives a crash of gatesync, and is ~10× faster than
    // SQLite's default of an fsync per history write (which made each person cost ~100 ms).
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    ...TEMPORAL_DEV_SERVER_TIMER_ARGS,
    ...SEARCH_ATTRIBUTE_KEYS.flatMap((k) => ['--search-attribute', `${k.name}=${SA_TYPE[k.type] ?? 'Keyword'}`]),
  ];
  // Its own process group: a terminal's Ctrl-C reaches gatesync, which stops the server last, in order.
  const child = spawnOwnerOnly(opts.binary, args);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const forward = (b: Buffer) => b.toString().split('\n').filter(Boolean).forEach((l) => opts.log?.(l));
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  let exited = false;
  child.once('exit', () => (exited = true));

  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`the Temporal dev server exited during start-up (is port ${opts.port} taken?)`);
    try {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      await c.workflowService.describeNamespace({ namespace: opts.namespace });
      await c.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new Error('the Temporal dev server did not become ready within 60 s');
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  // Journals an earlier version left 0644 are there only now, reopened by the server.
  tightenSqliteFiles(dbFile);
  return {
    address,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (exited) return resolveStop();
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          process.removeListener('exit', killOnExit);
          resolveStop();
        });
        child.kill('SIGTERM');
      }),
  };
}
