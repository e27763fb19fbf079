import { spawn } from 'node:child_process';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IsapiClient } from '../../../src/targets/terminals/client/client';
import { DigestSession, parseDigestChallenge } from '../../../src/targets/terminals/protocol/digest-auth';
import { startIsapiSimulator, type IsapiSimulator } from '../../../src/targets/terminals/simulator/simulator';
import { freePortPair } from '../../../src/dev/free-ports';

const USER = 'admin';
const PASSWORD = 'sim-pass-1';

let sim: IsapiSimulator;
let client: IsapiClient;

const control = async (name: string, body?: unknown) => {
  const res = await request(`${sim.url}/__sim/${name}`, {
    method: 'POST',
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  return (await res.body.json()) as Record<string, unknown>;
};

/** One raw request signed with `password` under a fresh challenge, bypassing the client's safety latch. */
async function rawAttempt(password: string): Promise<{ status: number; body: string }> {
  const path = '/ISAPI/AccessControl/UserInfo/Count?format=json';
  const probe = await request(`${sim.url}${path}`);
  await probe.body.text();
  const challenge = parseDigestChallenge(probe.headers['www-authenticate']);
  if (challenge === undefined) throw new Error('no challenge');
  const authorization = new DigestSession(challenge).authorize(USER, password, 'GET', path);
  const res = await request(`${sim.url}${path}`, { headers: { authorization } });
  return { status: res.statusCode, body: await res.body.text() };
}

beforeAll(async () => {
  sim = await startIsapiSimulator({ username: USER, password: PASSWORD, lockoutThreshold: 3, lockoutMs: 60_000 });
  client = new IsapiClient({ baseUrl: sim.url, username: USER, password: PASSWORD });
});

afterAll(async () => {
  await client.close();
  await sim.close();
});

beforeEach(() => {
  sim.controls.reset();
  sim.controls.setLatencyMs(0);
});

describe('simulated terminal', () => {
  it('should answer an unauthenticated request with the §2.1 challenge and userCheck body', async () => {
    const res = await request(`${sim.url}/ISAPI/System/deviceInfo`);
    const body = await res.body.text();
    expect(res.statusCode).toBe(401);
    const header = String(res.headers['www-authenticate']);
    expect(header).toMatch(
      /^Digest realm="[0-9a-f]{32}", domain="::", qop="auth", nonce="[0-9a-f]+:\d{13}", opaque="", algorithm="MD5", stale="FALSE"$/,
    );
    expect(body).toContain('<statusValue>401</statusValue><statusString>Unauthorized</statusString>');
  });

  it('should lock out after the configured bad logins, refuse even the right password, and count nothing more', async () => {
    expect((await rawAttempt(PASSWORD)).status).toBe(200);
    for (let i = 0; i < 3; i += 1) expect((await rawAttempt('wrong')).status).toBe(401);
    const locked = await rawAttempt(PASSWORD);
    expect(locked.status).toBe(401);
    expect(locked.body).toMatch(/<lockStatus>lock<\/lockStatus><unlockTime>\d+<\/unlockTime>/);
    // Both requests of the last attempt (the challenge fetch and the signed one) got the lockout answer.
    expect(sim.controls.authStats()).toMatchObject({ lockouts: 1, totalFailures: 3, lockedAnswers: 2 });
    sim.controls.unlock();
    expect((await rawAttempt(PASSWORD)).status).toBe(200);
  });

  it('should reset the bad-login streak on a good login', async () => {
    await rawAttempt('wrong');
    await rawAttempt('wrong');
    await rawAttempt(PASSWORD);
    await rawAttempt('wrong');
    expect(sim.controls.authStats()).toMatchObject({ consecutiveFailures: 1, lockouts: 0 });
  });

  it('should refuse a replayed nc as stale rather than accept it twice', async () => {
    const path = '/ISAPI/AccessControl/UserInfo/Count?format=json';
    const probe = await request(`${sim.url}${path}`);
    await probe.body.text();
    const challenge = parseDigestChallenge(probe.headers['www-authenticate']);
    const authorization = new DigestSession(challenge!).authorize(USER, PASSWORD, 'GET', path);
    const first = await request(`${sim.url}${path}`, { headers: { authorization } });
    await first.body.text();
    const replay = await request(`${sim.url}${path}`, { headers: { authorization } });
    await replay.body.text();
    expect([first.statusCode, replay.statusCode]).toEqual([200, 401]);
    expect(String(replay.headers['www-authenticate'])).toContain('stale="TRUE"');
    expect(sim.controls.authStats().totalFailures).toBe(0);
  });

  it('should apply its latency: no answer leaves sooner than the latency after its request arrived', async () => {
    await client.countUsers(); // challenge outside the measurement
    const latency = 100;
    const calls = 5;
    sim.controls.reset();
    sim.controls.setLatencyMs(latency);
    for (let i = 0; i < calls; i += 1) await client.countUsers();
    const durations = sim.controls.requestLog().map((r) => r.durationMs ?? NaN);
    expect(durations).toHaveLength(calls);
    // A lower bound only: how close to the latency the answers come is a speed figure, measured in bench/ (the
    // terminal-sync ratio at 20 ms latency), never asserted in a test on a shared machine.
    for (const d of durations) expect(d).toBeGreaterThanOrEqual(latency);
  });

  it('should inject busy answers at a rate, deterministically from the seed', async () => {
    sim.controls.setBusyRate(0.5);
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, () => client.countUsers()));
    const busy = outcomes.filter((o) => o.status === 'rejected').length;
    expect(busy).toBeGreaterThan(5);
    expect(busy).toBeLessThan(35);
    sim.controls.clearFaults();
    await expect(client.countUsers()).resolves.toBeDefined();
  });

  it('should be steerable over /__sim/ (busy, capture trigger, inspection)', async () => {
    await control('busy-next', { n: 1 });
    await expect(client.countUsers()).rejects.toMatchObject({ kind: 'busy' });

    await control('capture-delay', { ms: null });
    const pending = client.captureFace({ timeoutMs: 5000, pollIntervalMs: 20 });
    for (let i = 0; i < 100 && !sim.controls.isCapturing(); i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(await control('present-face')).toEqual({ presented: true });
    await expect(pending).resolves.toMatchObject({ captureProgress: 100 });

    await client.recordUser({ employeeNo: 'ctl-1' });
    expect(await control('write-counts')).toMatchObject({ 'ctl-1': { record: 1 } });
    expect(await control('auth-stats')).toMatchObject({ totalFailures: 0 });
  });

  it('should let a read-before-create sync run twice without writing any user twice (STYLE 9)', async () => {
    const people = Array.from({ length: 12 }, (_, i) => `S${i}`);
    const sync = async () => {
      for (const employeeNo of people) {
        if ((await client.findUser(employeeNo)) === null) await client.recordUser({ employeeNo, name: employeeNo });
      }
    };
    await sync();
    await sync();
    const counts = sim.controls.writeCounts();
    expect(Object.keys(counts).sort()).toEqual([...people].sort());
    for (const c of Object.values(counts)) expect(c.record + c.setUp + c.modify).toBe(1);
  });
});

describe('simulator-main (npm run sim:isapi)', () => {
  it('should start N terminals on consecutive ports with the chosen model', async () => {
    const port = await freePortPair();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/targets/terminals/simulator/main.ts',
        '--count',
        '2',
        '--port',
        String(port),
        '--model',
        'DS-K1T320MFWX',
        '--password',
        PASSWORD,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`simulator-main did not start: ${out}`)), 20_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if ((out.match(/ISAPI terminal/g) ?? []).length === 2) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.stderr.on('data', (d: Buffer) => {
          out += d.toString();
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      expect(out).not.toContain(PASSWORD);
      for (const p of [port, port + 1]) {
        const c = new IsapiClient({ baseUrl: `http://127.0.0.1:${p}`, username: 'admin', password: PASSWORD });
        expect((await c.deviceInfo()).model).toBe('DS-K1T320MFWX');
        await c.close();
      }
    } finally {
      child.kill('SIGTERM');
    }
  });
});
