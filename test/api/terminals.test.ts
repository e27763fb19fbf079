import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Terminal, TerminalCapture } from '../../src/db/entities';
import { IsapiClient } from '../../src/targets/terminals/client/client';
import { SEED_CAPTURE_MODEL, UPLOAD_MODEL, startIsapiSimulator, type IsapiSimulator } from '../../src/targets/terminals/simulator/simulator';
import { startServices, type Services } from '../helpers/services';
import { startApi, type TestApi } from '../helpers/api';
import { waitFor } from '../helpers/people';
import { TERMINAL_PASSWORD, TERMINAL_USER } from '../helpers/terminals';
import { frontalPortrait } from '../helpers/faces';
import { settled } from '../helpers/wait';

describe('terminal registry and seed 002 routes (real services, terminal simulators over HTTP)', () => {
  let s: Services;
  let api: TestApi;
  const sims: IsapiSimulator[] = [];
  beforeAll(async () => {
    s = await startServices();
    const tq = s.taskQueue();
    await s.startWorker(tq);
    api = await startApi(s, tq);
  });
  afterAll(async () => {
    await api?.close();
    for (const sim of sims) await sim.close();
    await s?.close();
  });

  const simulator = async (model = UPLOAD_MODEL, capture?: { presentAfterMs: number | null; holdMs?: number }) => {
    const sim = await startIsapiSimulator({ model, username: TERMINAL_USER, password: TERMINAL_PASSWORD, host: '127.0.0.1', capture });
    sims.push(sim);
    return sim;
  };
  const register = async (sim: IsapiSimulator, extra: Record<string, unknown> = {}) => {
    const url = new URL(sim.url);
    return api.request('POST', '/api/terminals', {
      body: { name: `T${url.port}`, host: url.hostname, port: Number(url.port), scheme: 'http', username: TERMINAL_USER, password: TERMINAL_PASSWORD, ...extra },
    });
  };

  it('should register a terminal with its password sealed, never show it, and read its capabilities on probe', async () => {
    const sim = await simulator();
    const created = await register(sim);
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.json)).not.toContain(TERMINAL_PASSWORD);
    expect(created.json).not.toHaveProperty('password');
    const row = await s.orm.em.fork().findOneOrFail(Terminal, { id: created.json.id }, { populate: ['passwordSealed'] as never });
    expect(row.passwordSealed).not.toContain(TERMINAL_PASSWORD);
    expect(s.secrets.open(row.passwordSealed)).toBe(TERMINAL_PASSWORD);

    const probed = await api.request('POST', `/api/terminals/${created.json.id}/probe`);
    expect(probed.status).toBe(200);
    // The simulator's zone is UTC (its default); the offset is read from /ISAPI/System/time.
    expect(probed.json).toMatchObject({ online: true, model: UPLOAD_MODEL.model, capabilities: { faceUpload: true, maxUsers: UPLOAD_MODEL.maxUsers }, utcOffsetMinutes: 0 });
    expect(JSON.stringify(probed.json)).not.toContain(TERMINAL_PASSWORD);

    const patched = await api.request('PATCH', `/api/terminals/${created.json.id}`, { body: { careers: ['Medicina'], password: 'new-pass' } });
    expect(patched.json.careers).toEqual(['Medicina']);
    expect((await api.request('GET', '/api/terminals')).json.items.some((t: { id: string }) => t.id === created.json.id)).toBe(true);
    expect((await api.request('DELETE', `/api/terminals/${created.json.id}`)).status).toBe(204);
    expect((await api.request('GET', `/api/terminals/${created.json.id}`)).status).toBe(404);
  });

  it('should read a terminal once when several probes of it arrive together: they share one run', async () => {
    // Latency keeps the first probe running while the others arrive; the terminal answers one request at a time
    // (reference §2.2), so every extra run would be an extra round of requests at it.
    const sim = await startIsapiSimulator({ model: UPLOAD_MODEL, username: TERMINAL_USER, password: TERMINAL_PASSWORD, host: '127.0.0.1', latencyMs: 300 });
    sims.push(sim);
    const created = await register(sim);
    const deviceInfoReads = () => sim.controls.requestLog().filter((r) => r.path === '/ISAPI/System/deviceInfo' && r.httpStatus === 200).length;
    const probes = await Promise.all([1, 2, 3].map(() => api.request('POST', `/api/terminals/${created.json.id}/probe`)));
    expect(probes.map((p) => p.status)).toEqual([200, 200, 200]);
    expect(probes[1]?.json).toEqual(probes[0]?.json);
    expect(deviceInfoReads()).toBe(1);
    // Once it closed, a later probe reads the terminal again.
    expect((await api.request('POST', `/api/terminals/${created.json.id}/probe`)).status).toBe(200);
    expect(deviceInfoReads()).toBe(2);
  });

  it('should refuse bad terminals with the reason and store nothing', async () => {
    const count = () => s.orm.em.fork().count(Terminal, {});
    const before = await count();
    const bad = [
      { name: 'x', host: 'http://10.0.0.1/', username: 'a', password: 'b' },
      { name: 'x', host: '10.0.0.1', username: 'a' },
      { name: 'x', host: '10.0.0.1', username: 'a', password: 'b', port: 70000 },
      { name: 'x', host: '10.0.0.1', username: 'a', password: 'b', caPem: 'not a cert' },
      { name: 'x', host: '10.0.0.1', username: 'a', password: 'b', surprise: true },
    ];
    for (const body of bad) {
      const r = await api.request('POST', '/api/terminals', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(r.json)).not.toContain('"b"');
    }
    expect(await count()).toBe(before);
    expect((await api.request('PATCH', '/api/terminals/not-a-uuid', { body: { name: 'y' } })).status).toBe(400);
  });

  it('seed 002: create the user, capture a face on the terminal, then sync-to-device binds it — with the seed\'s shapes', async () => {
    const sim = await simulator(SEED_CAPTURE_MODEL, { presentAfterMs: 300 });
    const terminal = (await register(sim)).json;
    await api.request('POST', `/api/terminals/${terminal.id}/probe`);

    const user = await api.request('POST', '/api/users/', { body: { hikvision_id: '100222', full_name: 'Иван Иванов', department: '1' } });
    expect(user.status).toBe(201);
    expect(user.json).toEqual({
      id: expect.any(Number),
      hikvision_id: '100222',
      full_name: 'Иван Иванов',
      department: '1',
      is_active: true,
      photo_path: null,
      synced_to_device: false,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect((await api.request('POST', '/api/users/', { body: { hikvision_id: '100222', full_name: 'Otro' } })).status).toBe(409);
    expect((await api.request('POST', '/api/users/', { body: { hikvision_id: 'no spaces!', full_name: 'X' } })).status).toBe(400);

    const capture = await api.request('POST', `/api/devices/${terminal.id}/start-face-capture`, { body: { hikvision_id: '100222' } });
    expect(capture.status).toBe(200);
    expect(capture.json).toEqual({
      success: true,
      photo_path: expect.stringMatching(/^\/api\/terminal-captures\/[0-9a-f-]{36}\/photo$/),
      message: 'Face captured successfully',
      face_data_url: expect.stringMatching(/^http:\/\/.+\/LOCALS\/pic\/web_face_enrollpic\.jpg@WEB\d{12}$/),
    });
    const jpeg = await api.request('GET', capture.json.photo_path);
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    expect(jpeg.bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

    const synced = await api.request('POST', `/api/users/${user.json.id}/sync-to-device`, { body: { device_id: terminal.id } });
    expect(synced.status).toBe(200);
    expect(synced.json).toMatchObject({ success: true, statusCode: 1, statusString: 'OK', subStatusCode: 'ok', synced_to_device: true });
    expect(synced.json.results[0]).toMatchObject({ outcome: 'enrolled', method: 'capture', face_bound: true });
    // Bound by the terminal's own URL (seed step 3), the capture marked as used.
    expect(sim.controls.faces().find((f) => f.FPID === '100222')?.source).toBe('terminalFile');
    const c = await s.orm.em.fork().findOneOrFail(TerminalCapture, { faceDataUrl: capture.json.face_data_url });
    expect(c.boundAt).not.toBeNull();
    expect((await api.request('GET', `/api/users/${user.json.id}`)).json).toMatchObject({ synced_to_device: true, photo_path: '/api/persons/100222/photo' });
  });

  it('seed 002: start-face-capture answers success false when nobody shows a face, 404 for an unknown device', async () => {
    const sim = await simulator(SEED_CAPTURE_MODEL, { presentAfterMs: null });
    const terminal = (await register(sim)).json;
    const r = await api.request('POST', `/api/devices/${terminal.id}/start-face-capture`, { body: { timeout_ms: 1500 } });
    expect(r.json).toMatchObject({ success: false, photo_path: null, face_data_url: null });
    expect(r.json.message).toMatch(/no face/i);
    expect((await api.request('POST', `/api/devices/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/start-face-capture`)).status).toBe(404);
  });

  it('should enrol by upload through the API and report progress, then sync the terminal by career', async () => {
    const sim = await simulator(UPLOAD_MODEL);
    const terminal = (await register(sim, { careers: ['Lab'] })).json;
    await api.request('POST', `/api/terminals/${terminal.id}/probe`);
    await api.request('POST', '/api/persons', { body: { ci: '55500011', givenName: 'Ana', familyName: 'Loor', career: 'Lab', kind: 'student' } });
    await api.request('PUT', '/api/persons/55500011/photo', { raw: await frontalPortrait(2), contentType: 'image/jpeg' });
    const started = await api.request('POST', `/api/terminals/${terminal.id}/enrollments`, { body: { ci: '55500011', method: 'auto' } });
    expect(started.status).toBe(202);
    const view = await waitFor(async () => {
      const v = (await api.request('GET', `/api/terminals/${terminal.id}/enrollments/55500011`)).json;
      return v.stage === 'finished' ? v : undefined;
    }, 'the enrolment to finish');
    expect(view.result).toMatchObject({ outcome: 'enrolled', method: 'upload', faceBound: true });

    const sync = await api.request('POST', `/api/terminals/${terminal.id}/sync`, { body: { mode: 'full' } });
    expect(sync.status).toBe(202);
    const progress = await waitFor(async () => {
      const p = (await api.request('GET', `/api/terminals/${terminal.id}/sync`)).json;
      return p.state === 'completed' ? p : undefined;
    }, 'the terminal sync to complete');
    // Enrolled already: the full sync finds the user as wanted.
    expect(progress).toMatchObject({ state: 'completed', total: 0 });
    expect((await api.request('POST', `/api/terminals/${terminal.id}/sync`, { body: { mode: 'sometimes' } })).status).toBe(400);
    const badPrune = await api.request('POST', `/api/terminals/${terminal.id}/sync`, { body: { mode: 'full', prune: 'everything' } });
    expect(badPrune.status).toBe(400);
    expect(JSON.stringify(badPrune.json)).toContain('prune');
    const pruneIncremental = await api.request('POST', `/api/terminals/${terminal.id}/sync`, { body: { mode: 'incremental', prune: 'all' } });
    expect(pruneIncremental.status).toBe(400);
    expect(pruneIncremental.json.issues).toEqual([expect.objectContaining({ path: 'prune', message: expect.stringMatching(/^prune applies to mode "full"/) })]);
  });

  it('seed 002: after an enrolment is cancelled, a face shown at the terminal is not stored, bound, or offered to sync-to-device', async () => {
    // Each CaptureFaceData POST is held up to 20 s (§2.3 "requests block up to ~20 s"): one is waiting at the terminal
    // when the cancel comes, and the face shown afterwards answers it.
    const sim = await simulator(SEED_CAPTURE_MODEL, { presentAfterMs: null, holdMs: 20_000 });
    const terminal = (await register(sim)).json;
    await api.request('POST', `/api/terminals/${terminal.id}/probe`);
    const user = (await api.request('POST', '/api/users/', { body: { hikvision_id: '100333', full_name: 'Petra Tarde', department: '1' } })).json;
    const enrolment = `/api/terminals/${terminal.id}/enrollments/100333`;
    expect((await api.request('POST', `/api/terminals/${terminal.id}/enrollments`, { body: { ci: '100333', method: 'capture', captureTimeoutMs: 60_000 } })).status).toBe(202);
    const log = () => sim.controls.requestLog();
    // A request is logged when it arrives and gets its duration when answered.
    const heldCapture = () => log().findIndex((q) => q.path === '/ISAPI/AccessControl/CaptureFaceData' && q.durationMs === undefined);
    await waitFor(async () => heldCapture() >= 0 && (await api.request('GET', enrolment)).json.stage === 'waitingForFace', 'the terminal waiting for a face');

    // Shown right after the cancel was accepted, before a heartbeat can carry it to the capture activity.
    const lateFace = await frontalPortrait(0);
    expect((await api.request('DELETE', enrolment)).status).toBe(202);
    expect(await sim.controls.presentFace(lateFace)).toBe(true);
    // Until gatesync has stopped talking to the terminal: nothing in flight, and no re-POST for longer than the 2 s poll.
    const inFlight = () => log().some((q) => q.durationMs === undefined);
    await waitFor(async () => (await settled(() => log().length * 2 + (inFlight() ? 1 : 0), 3_000, 30_000, 50)) % 2 === 0 || undefined, 'gatesync to stop asking the terminal', 60_000);
    await waitFor(async () => ((await api.request('GET', enrolment)).json.stage === 'cancelled' ? true : undefined), 'the enrolment to end cancelled');

    const captures = await s.orm.em.fork().find(TerminalCapture, { terminal: terminal.id }, { populate: ['data'] as never });
    expect(captures.map((c) => ({ state: c.state, picture: c.data ?? null }))).toEqual([{ state: 'cancelled', picture: null }]);
    expect((await api.request('GET', `/api/users/${user.id}`)).json).toMatchObject({ photo_path: null, synced_to_device: false });
    const client = new IsapiClient({ baseUrl: sim.url, username: TERMINAL_USER, password: TERMINAL_PASSWORD, timeoutMs: 5000 });
    try {
      expect((await client.searchFaces({ fpid: '100333' })).items).toEqual([]);
    } finally {
      await client.close();
    }
    expect((await api.request('GET', `/api/terminal-captures/${captures[0]!.id}/photo`)).status).toBe(404);

    // sync-to-device does not offer the withdrawn capture: it asks the terminal for a fresh face and binds that one.
    sim.controls.stopCapture();
    const syncing = api.request('POST', `/api/users/${user.id}/sync-to-device`, { body: { device_id: terminal.id } });
    const first = await Promise.race([
      syncing.then(() => 'answered without a new capture'),
      waitFor(async () => (heldCapture() >= 0 ? 'capturing afresh' : undefined), 'a fresh capture'),
    ]);
    expect(first).toBe('capturing afresh');
    const freshFace = await frontalPortrait(1);
    expect(await sim.controls.presentFace(freshFace)).toBe(true);
    const synced = await syncing;
    expect(synced.json).toMatchObject({ success: true, results: [{ outcome: 'enrolled', method: 'capture', face_bound: true }] });
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(sim.controls.faces().find((f) => f.FPID === '100333')?.sha256).toBe(sha(freshFace));
    // Bound and verified: only now does the captured face become the person's photo.
    expect((await api.request('GET', `/api/users/${user.id}`)).json).toMatchObject({ photo_path: '/api/persons/100333/photo', synced_to_device: true });
  }, 120_000);
});
