import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, freePortPair } from '../../src/dev/free-ports';
import { DEMO_FACES_CAREER } from '../../src/dev/demo-data';
import { waitFor as pollFor } from '../helpers/wait';

/**
 * `npm start` as a user runs it (src/dev/start.ts, the script's second half; the first half is the set-up
 * that `npm test` has just run): its own PostgreSQL, Temporal dev server with the Web UI, simulators, broker
 * and demo data in an empty data dir, then Ctrl-C, then again on the same data dir — a bulk sync started
 * before the stop must carry on after it, and the demo data must not be seeded twice.
 */
const ROOT = resolve(__dirname, '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'gatesync-start-'));
// Embedded PostgreSQL runs as the `postgres` user when the tests run as root: it must reach its data dir.
chmodSync(dataDir, 0o755);
let child: ChildProcess | undefined;

afterAll(async () => {
  // A failed test leaves gatesync running: stop it as Ctrl-C would, then kill its whole process group, so no
  // PostgreSQL or Temporal dev server it started outlives the test run.
  const p = child;
  if (p !== undefined && p.exitCode === null && p.pid !== undefined) {
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

function listening(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      ok(true);
    });
    c.once('error', () => ok(false));
  });
}

interface Started {
  proc: ChildProcess;
  output: () => string;
  api: string;
  token: string;
  temporalUi: string;
  exited: Promise<number | null>;
}

async function start(env: NodeJS.ProcessEnv): Promise<Started> {
  let out = '';
  // Its own process group (detached), so the clean-up can reach the servers it starts.
  const p = spawn(process.execPath, ['--import', 'tsx', 'src/dev/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child = p;
  p.stdout.on('data', (c: Buffer) => (out += c.toString()));
  p.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((ok) => p.once('exit', (code) => ok(code)));
  const deadline = Date.now() + 240_000;
  while (!out.includes('Ctrl-C stops everything.')) {
    if (p.exitCode !== null) throw new Error(`npm start exited with ${p.exitCode} during start-up:\n${out}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up in 240 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const field = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(out)?.[1] ?? '';
  return { proc: p, output: () => out, api: field('API'), token: field('Admin token'), temporalUi: field('Temporal UI'), exited };
}

async function get(s: Started, path: string, init: RequestInit = {}): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- asserted field by field
  const res = await fetch(s.api + path, { ...init, headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' } });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : JSON.parse(text) };
}

/** Like the shared `waitFor` (same argument order), but tolerant of a failing probe and saying what it last saw. */
function waitFor<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 60_000, seen?: () => unknown): Promise<T> {
  return pollFor(fn, what, { timeoutMs, intervalMs: 300, retryErrors: true, ...(seen !== undefined ? { seen } : {}) });
}

async function stop(s: Started): Promise<number | null> {
  s.proc.kill('SIGINT');
  const code = await Promise.race([s.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
  if (code === 'hung') throw new Error(`npm start did not stop within 60 s of Ctrl-C:\n${s.output().slice(-3000)}`);
  return code;
}

/** A free port for every embedded service. */
async function embeddedPorts(): Promise<Record<string, number>> {
  return {
    EMBEDDED_PG_PORT: await freePort(),
    TEMPORAL_DEV_PORT: await freePort(),
    TEMPORAL_UI_PORT: await freePort(),
    API_PORT: await freePort(),
    HIKCENTRAL_SIM_PORT: await freePort(),
    ISAPI_SIM_PORT: await freePortPair(),
    MQTT_PORT: await freePort(),
  };
}

/** The embedded defaults, whatever the caller's shell says: no external database, Temporal, HikCentral or broker. */
function embeddedEnv(dir: string, ports: Record<string, number>, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GATESYNC_DATA_DIR: dir, NODE_ENV: 'development', ...extra };
  for (const k of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_UI_URL', 'HIKCENTRAL_URL', 'MQTT_URL', 'GATESYNC_API_TOKEN', 'GATESYNC_SECRET_KEY', 'SYNC_PACING_MS']) delete env[k];
  for (const [k, v] of Object.entries(ports)) env[k] = String(v);
  return env;
}

describe('npm start on embedded defaults (a fresh data dir, then a restart on it)', () => {
  it('comes up with everything, serves the demo, stops cleanly on Ctrl-C and resumes a running sync after a restart', async () => {
    const ports = await embeddedPorts();
    const env = embeddedEnv(dataDir, ports, { LOG_LEVEL: 'warn', DEVICE_SIM_COUNT: '2' });

    // First start: an empty data dir.
    const first = await start(env);
    expect(first.token.length).toBeGreaterThanOrEqual(16);
    expect((await get(first, '/api/health')).status).toBe(200);
    expect((await fetch(first.temporalUi)).status).toBe(200);

    // The demo: real faces in the first career, with the checks' verdicts; two terminals; devices that come online.
    const people = await get(first, `/api/persons?career=${encodeURIComponent(DEMO_FACES_CAREER)}&limit=100`);
    expect(people.status).toBe(200);
    const demo = people.json.items as Array<{ ci: string; photo?: { checksPassed?: boolean } | null }>;
    expect(demo.length).toBeGreaterThanOrEqual(20);
    expect((await get(first, '/api/persons?failing=frontal&limit=100')).json.items.length).toBeGreaterThan(0);
    expect((await get(first, '/api/persons?failing=duplicateFace&limit=100')).json.items.length).toBeGreaterThan(0);
    expect((await get(first, '/api/terminals')).json.items).toHaveLength(2);
    await waitFor(async () => {
      const items = (await get(first, '/api/devices')).json.items as Array<{ online: boolean }>;
      return items.length === 2 && items.every((d) => d.online);
    }, 'both simulated devices online');

    // The bulk sync the banner suggests (the career with faces), paced at 300 ms a person, then Ctrl-C in the middle.
    const tryUrl = /try: curl .* -X POST "(\S+)"/.exec(first.output())?.[1];
    expect(tryUrl).toBeDefined();
    const started = await get(first, new URL(tryUrl as string).pathname, { method: 'POST' });
    expect(started.status).toBe(202);
    const id = encodeURIComponent(started.json.workflowId as string);
    const sync = async (s: Started) => (await get(s, `/api/syncs/${id}`)).json;
    await waitFor(async () => (await sync(first)).processed >= 2, 'the sync under way', 60_000, () => sync(first));

    expect(await stop(first)).toBe(0);
    const stoppedAt = Date.now();
    for (const [name, port] of Object.entries(ports)) expect(await listening(port), `${name} ${port} still open after Ctrl-C`).toBe(false);

    // Second start on the same data dir, now with the token the user supplies: the banner does not print it.
    // Nothing is seeded again, and the sync finishes where it left off.
    const restarted = await start({ ...env, GATESYNC_API_TOKEN: first.token });
    expect(restarted.output()).not.toContain(first.token);
    const second = { ...restarted, token: first.token };
    expect((await get(second, `/api/persons?career=${encodeURIComponent(DEMO_FACES_CAREER)}&limit=100`)).json.items).toHaveLength(demo.length);
    const done = await waitFor(
      async () => {
        const r = await sync(second);
        return r.run?.state === 'completed' ? r : undefined;
      },
      'the sync to finish after the restart',
      120_000,
      () => sync(second),
    );
    // It finished on the second start, so it was cut off by Ctrl-C and carried on from Temporal's state.
    expect(new Date(done.run.finishedAt as string).getTime()).toBeGreaterThan(stoppedAt);
    // Everyone with a photo was handled once: passing photos pushed, failing ones counted without a call.
    expect(done.run.processed).toBe(demo.length);
    expect(done.run.counts.synced).toBeGreaterThan(0);
    expect(done.run.counts.photoRejected).toBeGreaterThan(0);
    expect(done.run.counts.synced + done.run.counts.photoRejected).toBe(demo.length);

    // What the data dir holds is people and secrets: owner-only. As root, embedded PostgreSQL runs as `postgres`,
    // which must pass through the data dir to its cluster (src/dev/start.ts), but not list it.
    const mode = (p: string) => statSync(join(dataDir, p)).mode & 0o777;
    expect(mode('.')).toBe(process.getuid?.() === 0 ? 0o711 : 0o700);
    for (const f of ['admin-token', 'secret-key', 'demo-device-secrets.json', 'temporal.sqlite', 'temporal.sqlite-wal', 'hikcentral-sim.json']) {
      expect(mode(f), f).toBe(0o600);
    }
    for (const d of ['postgres', 'photo-dumps', 'device-captures']) if (existsSync(join(dataDir, d))) expect(mode(d), d).toBe(0o700);
    expect(await stop(second)).toBe(0);
  }, 600_000);

  it('given its API port taken, should stop naming the step that failed and why, leaving nothing running', async () => {
    const ports = await embeddedPorts();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(ports.API_PORT, '127.0.0.1', () => r()));
    const otherDataDir = mkdtempSync(join(tmpdir(), 'gatesync-start-fails-'));
    try {
      const env = embeddedEnv(otherDataDir, ports, { LOG_LEVEL: 'silent', DEVICE_SIM_COUNT: '0' });
      const failure = await start(env).then(
        () => undefined,
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      );
      expect(failure).toContain('exited with 1 during start-up');
      expect(failure).toContain(`gatesync could not start: start the API on 127.0.0.1:${ports.API_PORT} failed: port ${ports.API_PORT} is in use`);
      // What it had started before the failing step was stopped again.
      for (const [name, port] of Object.entries(ports)) {
        if (name !== 'API_PORT') expect(await listening(port), `${name} ${port} still open after the failed start`).toBe(false);
      }
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
      rmSync(otherDataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
