import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import sharp from 'sharp';
import { createPerson } from '../../src/db/repositories/person-repository';
import { expectedHash } from '../../src/db/repositories/devices/device-people';
import { registerDevice } from '../../src/db/repositories/devices/device-registry';
import { SimulatedDevice } from '../../src/targets/devices/simulator/simulator';
import { SecretBox } from '../../src/security/secret-box';
import { freePort } from '../../src/dev/free-ports';
import { TEST_APP_KEY, TEST_APP_SECRET, startServices, type Services } from '../helpers/services';
import { addPeople } from '../helpers/people';
import { terminalWithSimulator, usersOn } from '../helpers/terminals';
import { frontalPortrait } from '../helpers/faces';
import { waitFor } from '../helpers/wait';
import { createLogger } from '../../src/logger';

/**
 * gatesync as a deployment runs it: two worker processes, two API processes and two device gateways (one active,
 * one standby), each its own OS process from its production entry point (`npm run worker|api|gateway`), on the
 * real services. A bulk career sync (HikCentral), a full terminal sync and a device full resync run at once while
 * one worker is killed with SIGKILL and so is the active gateway (with the broker it runs). Every person must end on
 * every target exactly once, the terminal must never see two requests in flight, the standby gateway must take
 * over, and two API processes given the same face for two people at once must flag exactly one of them.
 */

const TOKEN = 'multi-process-token-0123456789abcdef';
const GATEWAY_PASSWORD = 'multi-process-gateway-0123456789';
const PEOPLE = 24;

interface Proc {
  name: string;
  child: ChildProcess;
  /** Parsed JSON log lines so far (pino on stdout). */
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

describe('N copies of each process (real worker, API and gateway processes; SIGKILL)', () => {
  let s: Services;
  const procs: Proc[] = [];
  const device: { sim?: SimulatedDevice } = {};
  let closeTerminal: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    s = await startServices({ photos: { faceChecks: 'off' } });
  });
  afterAll(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await device.sim?.stop();
    await closeTerminal?.();
    await s?.close();
  });

  function start(name: string, entry: string, env: Record<string, string>): Proc {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../../src', entry)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Proc['lines'] = [];
    let rest = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = rest + chunk.toString('utf8');
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      for (const l of parts) {
        try {
          lines.push(JSON.parse(l) as Record<string, unknown>);
        } catch {
          lines.push({ msg: l });
        }
      }
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4000)));
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        if (code !== null && code !== 0) lines.push({ msg: `exited ${code}: ${stderr}` });
        resolve(code);
      }),
    );
    const p = { name, child, lines, exited };
    procs.push(p);
    return p;
  }

  const logged = (p: Proc, msg: string) => p.lines.some((l) => l.msg === msg);

  it('should put every person on every target exactly once while a worker and the active gateway die', async () => {
    const secretKey = randomBytes(32);
    const secrets = new SecretBox(secretKey);
    const mqttPort = await freePort();
    const apiPorts = [await freePort(), await freePort()];
    const career = `Multi ${randomUUID().slice(0, 6)}`;
    const people = await addPeople(s.orm, career, PEOPLE);

    // Targets: the HikCentral simulator (Services), one terminal and one cloud door, all assigned the career.
    const terminal = await terminalWithSimulator(s.orm, secrets, { latencyMs: 15, careers: [career] });
    closeTerminal = terminal.close;
    const door = await registerDevice(s.orm.em.getKnex(), { id: `mp-${randomUUID().slice(0, 8)}`, name: 'Multi door', careers: [career] });

    const env = {
      DATABASE_URL: s.databaseUrl,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      // One queue per family, named apart from every other test's.
      TEMPORAL_TASK_QUEUE_PREFIX: `mp-${randomUUID().slice(0, 8)}`,
      GATESYNC_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      HIKCENTRAL_URL: s.simulator.url,
      HIKCENTRAL_APP_KEY: TEST_APP_KEY,
      HIKCENTRAL_APP_SECRET: TEST_APP_SECRET,
      HIKCENTRAL_ORG_INDEX_CODE: '2',
      GATESYNC_SECRET_KEY: secretKey.toString('hex'),
      GATESYNC_API_TOKEN: TOKEN,
      MQTT_HOST: '127.0.0.1',
      MQTT_PORT: String(mqttPort),
      MQTT_GATEWAY_PASSWORD: GATEWAY_PASSWORD,
      GATEWAY_TAKEOVER_POLL_MS: '300',
      DEVICE_REQUEST_TIMEOUT_MS: '2000',
      DEVICE_BUSY_PAUSE_MS: '1000',
      TERMINAL_SYNC_PACING_MS: '0',
      LOG_LEVEL: 'info',
    };
    const gateways = [start('gateway-1', 'gateway/main.ts', env)];
    await waitFor(async () => logged(gateways[0] as Proc, 'device gateway is active'), 'the first gateway to lead', { timeoutMs: 60_000 });
    gateways.push(start('gateway-2', 'gateway/main.ts', env));
    const workers = [1, 2].map((i) => start(`worker-${i}`, 'worker/main.ts', env));
    const apis = apiPorts.map((port, i) => start(`api-${i + 1}`, 'api/main.ts', { ...env, API_PORT: String(port) }));
    const urls = apiPorts.map((port) => `http://127.0.0.1:${port}`);
    const call = async (i: number, method: string, path: string, body?: unknown, raw?: Buffer) => {
      const r = await fetch(`${urls[i]}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': raw !== undefined ? 'image/jpeg' : 'application/json' },
        body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined),
      });
      return { status: r.status, json: (await r.json().catch(() => null)) as Record<string, unknown> };
    };
    for (const i of [0, 1]) {
      await waitFor(async () => (await fetch(`${urls[i]}/api/health`).catch(() => null))?.status !== undefined, `api-${i + 1} to listen`, { timeoutMs: 60_000 });
    }
    await waitFor(async () => workers.every((w) => logged(w, 'worker started')), 'both workers', { timeoutMs: 60_000 });
    await waitFor(async () => workers.every((w) => logged(w, 'connected to the MQTT broker')), 'both workers on the broker', { timeoutMs: 30_000 });
    expect(logged(gateways[1] as Proc, 'device gateway is active')).toBe(false);

    // The door comes online and takes its first (incremental) sync.
    const quiet = createLogger('silent');
    device.sim = new SimulatedDevice({ deviceId: door.id, secret: door.secret, url: `mqtt://127.0.0.1:${mqttPort}`, appId: 'gatesync', logger: quiet, reconnectPeriodMs: 300 });
    await device.sim.start();

    // Two API processes race one face for two people, while both workers run.
    const faceCareer = `Faces ${randomUUID().slice(0, 6)}`;
    const racers: string[] = [];
    for (let i = 0; i < 2; i++) {
      const ci = `88${String(Date.now() % 1e6).padStart(6, '0')}${i}`;
      await createPerson(s.orm.em.fork(), { ci, givenName: `Twin${i}`, familyName: 'Face', secondFamilyName: 'Race', career: faceCareer, kind: 'student' });
      racers.push(ci);
    }
    const face = await frontalPortrait(1);
    const faces = [face, await sharp(face).resize(560).jpeg({ quality: 70 }).toBuffer()];
    const race = Promise.all(racers.map((ci, i) => call(i, 'PUT', `/api/persons/${ci}/photo`, undefined, faces[i])));

    // The three long processes, started through different API processes.
    const bulk = await call(0, 'POST', `/api/syncs/careers/${encodeURIComponent(career)}`, { pacingMs: 100 });
    expect(bulk.status, JSON.stringify(bulk.json)).toBe(202);
    const termSync = await call(1, 'POST', `/api/terminals/${terminal.terminalId}/sync`, { mode: 'full' });
    expect(termSync.status, JSON.stringify(termSync.json)).toBe(202);
    const resync = await call(0, 'POST', `/api/devices/${door.id}/resync`);
    expect(resync.status, JSON.stringify(resync.json)).toBe(202);

    const raced = await race;
    expect(raced.map((r) => r.status)).toEqual([200, 200]);

    // Mid-flight: a worker and the active gateway (with its broker) die without a word.
    await new Promise((r) => setTimeout(r, 1500));
    (workers[0] as Proc).child.kill('SIGKILL');
    (gateways[0] as Proc).child.kill('SIGKILL');
    await waitFor(async () => logged(gateways[1] as Proc, 'device gateway is active'), 'the standby gateway to take over', { timeoutMs: 15_000 });

    const resultOf = (workflowId: unknown) => s.temporal.workflow.getHandle(String(workflowId)).result();
    const [bulkResult, termResult] = await Promise.all([resultOf(bulk.json.workflowId), resultOf(termSync.json.workflowId), resultOf(resync.json.workflowId)]);
    expect(bulkResult).toMatchObject({ total: PEOPLE });
    expect(termResult).toMatchObject({ total: PEOPLE });

    const cis = people.map((p) => p.ci);
    // HikCentral: each person once.
    const onHik = s.simulator.controls.persons().filter((p) => cis.includes(p.personCode));
    expect(onHik.map((p) => p.personCode).sort()).toEqual([...cis].sort());
    // The terminal: each person once, and never two requests in flight, across both workers.
    expect(terminal.sim.controls.maxConcurrent()).toBe(1);
    const onTerminal = await usersOn(terminal.client);
    expect([...onTerminal.keys()].filter((k) => cis.includes(k)).sort()).toEqual([...cis].sort());
    // The door: it holds exactly what gatesync says it should (size and XOR hash, §2), after the takeover.
    await waitFor(
      async () => {
        const e = await expectedHash(s.orm.em.getKnex(), door.id);
        return e.size === PEOPLE && device.sim?.users().length === PEOPLE && device.sim.hash() === e.hash;
      },
      'the door to hold every person once',
      { timeoutMs: 60_000 },
    );

    // The race: exactly one of the two people carries the other's face.
    const flagged = raced.map((r) => ((r.json.photo as { checks?: { rules: Array<{ rule: string; passed: boolean }> } }).checks?.rules ?? []).some((x) => x.rule === 'duplicateFace' && !x.passed));
    expect(flagged.filter(Boolean)).toHaveLength(1);
    for (const p of [...apis, workers[1] as Proc, gateways[1] as Proc]) expect(p.child.exitCode).toBeNull();
  }, 300_000);
});
