import { singleTaskQueue } from '../../src/contracts/task-queues';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import { createApp } from '../../src/api/app';
import type { ApiDeps } from '../../src/api/deps';
import { hikCentralReaders } from '../../src/api/build-deps';
import type { Services } from './services';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export interface TestApi {
  url: string;
  /** What the app was built with (the route table is `apiRoutes(deps)`). */
  deps: ApiDeps;
  request(method: string, path: string, opts?: { body?: unknown; raw?: Buffer | string; contentType?: string; token?: string | null }): Promise<{ status: number; // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
    json: any; headers: Headers; bytes: Buffer }>;
  close(): Promise<void>;
}

/** The real Express app on a random port, wired to the test's real services. */
export async function startApi(s: Services, taskQueue: string, overrides: Partial<ApiDeps> = {}): Promise<TestApi> {
  const deps: ApiDeps = {
    orm: s.orm,
    temporal: s.temporal,
    queues: singleTaskQueue(taskQueue),
    token: TEST_TOKEN,
    logger: pino({ level: 'silent' }),
    bodyLimit: '10kb',
    photoLimit: '5mb',
    secrets: s.secrets,
    terminalSync: { pacingMs: 0, busyPauseMs: 1000 },
    terminalWaitMs: 20_000,
    defaultPacingMs: 0,
    busyPauseMs: 1000,
    dataDir: s.dataDir,
    importRoot: s.dataDir,
    zipLimit: '50mb',
    ...hikCentralReaders(s.hikcentral),
    ...overrides,
  };
  const app = createApp(deps);
  const server: Server = await new Promise((resolve) => {
    const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    deps,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = {};
      if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? TEST_TOKEN}`;
      let body: string | Buffer | undefined;
      if (opts.raw !== undefined) {
        body = opts.raw;
        headers['content-type'] = opts.contentType ?? 'application/json';
      } else if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(url + path, { method, headers, body });
      const bytes = Buffer.from(await res.arrayBuffer());
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
      let json: any = null;
      if ((res.headers.get('content-type') ?? '').includes('json')) json = JSON.parse(bytes.toString('utf8'));
      return { status: res.status, json, headers: res.headers, bytes };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
