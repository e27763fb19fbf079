import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { Person, TerminalCapture, TerminalPersonState } from '../../src/db/entities';
import { enrollProgressQuery, type EnrollOnTerminalInput, type EnrollOnTerminalResult } from '../../src/contracts';
import type { enrollOnTerminal } from '../../src/workflows/terminals/enroll-on-terminal.workflow';
import { SEED_CAPTURE_MODEL, UPLOAD_MODEL } from '../../src/targets/terminals/simulator/simulator';
import { TEST_CAPTURE_POLL_MS, pipelineWithProfile, startServices, type Services } from '../helpers/services';
import { addPeople, noiseJpeg, setPhoto, waitFor } from '../helpers/people';
import { frontalPortrait } from '../helpers/faces';
import { terminalWithSimulator } from '../helpers/terminals';
import { storePersonPhoto } from '../../src/db/repositories/photos/person-photo-store';
import { settled } from '../helpers/wait';
import { startEnrolment, startTerminalProbe } from '../../src/temporal-client/terminals';
import { singleTaskQueue } from '../../src/contracts/task-queues';

describe('enrollOnTerminal (real Temporal and PostgreSQL, terminal simulators over HTTP with Digest auth)', () => {
  let s: Services;
  let tq: string;
  const closers: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    s = await startServices();
    tq = s.taskQueue();
    await s.startWorker(tq);
  });
  afterAll(async () => {
    for (const c of closers) await c();
    await s?.close();
  });

  const temporal = () => ({ client: s.temporal, queues: singleTaskQueue(tq) });
  const terminal = async (opts: Parameters<typeof terminalWithSimulator>[2] = {}) => {
    const t = await terminalWithSimulator(s.orm, s.secrets, opts);
    closers.push(t.close);
    // Capabilities, as POST /api/terminals/:id/probe reads them.
    await (await startTerminalProbe(temporal(), t.terminalId)).result();
    return t;
  };
  const person = async (): Promise<string> => (await addPeople(s.orm, `Enrol ${Math.random()}`, 1, { noPhoto: [0] }))[0]!.ci;
  const start = (input: EnrollOnTerminalInput) => startEnrolment(temporal(), input);

  it('given the seed-002 model, should wait for a face ("present your face"), bind the captured file by its terminal URL, verify it, and keep it as the photo', async () => {
    const t = await terminal({ model: SEED_CAPTURE_MODEL, capture: { presentAfterMs: null, holdMs: 300 } });
    const ci = await person();
    const h = await start({ ci, terminalId: t.terminalId, method: 'auto', captureTimeoutMs: 20_000 });
    const waiting = await waitFor(async () => {
      const p = await h.query(enrollProgressQuery);
      return p.stage === 'waitingForFace' && t.sim.controls.isCapturing() ? p : undefined;
    }, 'the terminal waiting for a face');
    expect(waiting).toMatchObject({ method: 'capture', message: 'present your face to the terminal', captureAttempt: 1 });
    expect(await t.sim.controls.presentFace(await frontalPortrait(0))).toBe(true);
    const r: EnrollOnTerminalResult = await h.result();
    expect(r).toMatchObject({ outcome: 'enrolled', method: 'capture', userAction: 'added', faceBound: true });
    expect(r.faceDataUrl).toMatch(/\/LOCALS\/pic\/web_face_enrollpic\.jpg@WEB\d+$/);
    const face = t.sim.controls.faces().find((f) => f.FPID === ci);
    expect(face?.source).toBe('terminalFile');
    expect(t.sim.controls.users().map((u) => u.employeeNo)).toEqual([ci]);
    // The person had no photo: the captured face became it, through the intake checks.
    const p = await s.orm.em.fork().findOneOrFail(Person, { ci });
    expect(p.photoVersion).toMatch(/^[0-9a-f]{64}$/);
    const state = await s.orm.em.fork().findOneOrFail(TerminalPersonState, { terminal: t.terminalId, employeeNo: ci });
    expect(state).toMatchObject({ faceBound: true, faceMethod: 'capture', lastResult: 'enrolled' });
  });

  it('given nobody presents a face, should try the configured number of times and report it, with the user created and no face', async () => {
    const t = await terminal({ model: SEED_CAPTURE_MODEL, capture: { presentAfterMs: null, holdMs: 200 } });
    const ci = await person();
    const r = await (await start({ ci, terminalId: t.terminalId, method: 'capture', captureTimeoutMs: 1_200, captureAttempts: 2 })).result();
    expect(r).toMatchObject({ outcome: 'failed', method: 'capture', faceBound: false, userAction: 'added' });
    expect(r.message).toMatch(/NoFaceCaptured/);
    expect(t.sim.controls.faces()).toHaveLength(0);
    const captures = t.sim.controls.requestLog().filter((q) => q.path.startsWith('/ISAPI/AccessControl/CaptureFaceData'));
    expect(captures.length).toBeGreaterThanOrEqual(2);
  });

  it('should stop waiting for a face when the enrolment is cancelled', async () => {
    const t = await terminal({ model: SEED_CAPTURE_MODEL, capture: { presentAfterMs: null, holdMs: 300 } });
    const ci = await person();
    const h = await start({ ci, terminalId: t.terminalId, method: 'capture', captureTimeoutMs: 60_000 });
    await waitFor(async () => ((await h.query(enrollProgressQuery)).stage === 'waitingForFace' ? true : undefined), 'waiting for a face');
    await h.cancel();
    await expect(h.result()).rejects.toThrow(WorkflowFailedError);
    expect((await h.describe()).status.name).toBe('CANCELLED');
    const state = await s.orm.em.fork().findOneOrFail(TerminalPersonState, { terminal: t.terminalId, employeeNo: ci });
    expect(state.lastResult).toBe('cancelled');
    // The capture activity no longer polls the terminal.
    const polls = () => t.sim.controls.requestLog().filter((q) => q.path.startsWith('/ISAPI/AccessControl/CaptureFaceData')).length;
    // The workflow withdraws the capture when the cancellation reaches it, and the activity sees that in the database
    // (or with a heartbeat's answer): wait until the polling — a re-POST 2 s after each 300 ms answer — has gone quiet
    // for 3.5 s, failing if it never does within 15 s; then it must stay quiet.
    const before = await settled(polls, 3_500, 15_000, 100);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(polls()).toBe(before);
    const captures = await s.orm.em.fork().find(TerminalCapture, { terminal: t.terminalId });
    expect(captures.map((c) => c.state)).toEqual(['cancelled']);
  });

  it('should wait the configured 2–5 s between CaptureFaceData re-POSTs while nobody shows a face (reference §2.3)', async () => {
    const t = await terminal({ model: SEED_CAPTURE_MODEL, capture: { presentAfterMs: null, holdMs: 100 } });
    const ci = await person();
    const r = await (await start({ ci, terminalId: t.terminalId, method: 'capture', captureTimeoutMs: 7_000, captureAttempts: 1 })).result();
    expect(r).toMatchObject({ outcome: 'failed', faceBound: false });
    const polls = t.sim.controls.requestLog().filter((q) => q.path === '/ISAPI/AccessControl/CaptureFaceData' && q.httpStatus === 200);
    expect(polls.length).toBeGreaterThanOrEqual(3);
    // From the terminal's answer (progress 0) to the next POST's arrival, on the simulator's clock; 2 ms for the
    // millisecond clocks the two ends are read with. A lower bound only: the protocol's spacing, not a speed.
    for (const [prev, next] of polls.slice(1).map((q, i) => [polls[i]!, q] as const)) {
      expect(next.at - (prev.at + prev.durationMs!)).toBeGreaterThanOrEqual(Math.max(2_000, TEST_CAPTURE_POLL_MS) - 2);
    }
    // The attempt that saw no face is recorded as such.
    expect((await s.orm.em.fork().find(TerminalCapture, { terminal: t.terminalId })).map((c) => c.state)).toEqual(['failed']);
  });

  it('given the upload-capable model, `auto` should upload the checked photo as a ≤200 KB JPEG', async () => {
    const t = await terminal({ model: UPLOAD_MODEL });
    const ci = await person();
    const em = s.orm.em.fork();
    await storePersonPhoto(em, s.photos, await em.findOneOrFail(Person, { ci }), await frontalPortrait(1));
    const r = await (await start({ ci, terminalId: t.terminalId, method: 'auto' })).result();
    expect(r).toMatchObject({ outcome: 'enrolled', method: 'upload', faceBound: true });
    const face = t.sim.controls.faces().find((f) => f.FPID === ci);
    expect(face?.source).toBe('upload');
    expect(face!.bytes).toBeLessThanOrEqual(200 * 1024);
  });

  it('given a photo that failed its checks, should not upload it', async () => {
    const t = await terminal({ model: UPLOAD_MODEL });
    const ci = (await addPeople(s.orm, `Enrol ${Math.random()}`, 1, { small: [0] }))[0]!.ci;
    const r = await (await start({ ci, terminalId: t.terminalId, method: 'upload' })).result();
    expect(r).toMatchObject({ outcome: 'failed', faceBound: false });
    expect(r.message).toMatch(/PhotoNotUsable/);
    expect(t.sim.controls.faces()).toHaveLength(0);
  });

  it('given a photo no rendition of which meets the ISAPI profile, should fail as PhotoNotUsable and upload nothing', async () => {
    // A worker whose terminals take at most 10 KB: random pixels cannot be brought that small.
    const tight = s.taskQueue();
    await s.startWorker(tight, { photos: pipelineWithProfile(s.photos, 'isapi', { maxBytes: 10 * 1024 }) });
    const t = await terminal({ model: UPLOAD_MODEL });
    const ci = await person();
    await setPhoto(s.orm, ci, await noiseJpeg(800));
    const input: EnrollOnTerminalInput = { ci, terminalId: t.terminalId, method: 'upload' };
    const r: EnrollOnTerminalResult = await s.temporal.workflow.execute<typeof enrollOnTerminal>('enrollOnTerminal', {
      taskQueue: tight,
      workflowId: `enroll-tight-${t.terminalId}-${ci}`,
      args: [input],
    });
    expect(r).toMatchObject({ outcome: 'failed', faceBound: false });
    expect(r.message).toMatch(/PhotoNotUsable/);
    expect(r.message).toMatch(/KB is above 10 KB/);
    expect(t.sim.controls.faces()).toHaveLength(0);
  });

  it('given a wrong password, should fail with TerminalAuth after two tries and never reach the lockout', async () => {
    const t = await terminalWithSimulator(s.orm, s.secrets, { model: UPLOAD_MODEL, registeredPassword: 'not-the-password', lockoutThreshold: 5 });
    closers.push(t.close);
    const ci = await person();
    const h = await start({ ci, terminalId: t.terminalId, method: 'upload' });
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (err as WorkflowFailedError).cause as Error & { cause?: Error };
    expect(String(activityFailure.cause?.message ?? activityFailure.message)).toMatch(/credentials|auth/i);
    const stats = t.sim.controls.authStats();
    expect(stats.totalFailures).toBeLessThanOrEqual(2);
    expect(stats.lockouts).toBe(0);
  });
});
