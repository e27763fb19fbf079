import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/contracts';

export interface TemporalDevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
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
  mkdirSync(dirname(resolve(opts.dbFile)), { recursive: true });
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
    resolve(opts.dbFile),
    '--namespace',
    opts.namespace,
    '--log-level',
    'error',
    ...SEARCH_ATTRIBUTE_KEYS.flatMap((k) => ['--search-attribute', `${k.name}=${SA_TYPE[k.type] ?? 'Keyword'}`]),
  ];
  // Its own process group: a terminal's Ctrl-C reaches gatesync, which stops the server last, in order.
  const child: ChildProcess = spawn(opts.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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
