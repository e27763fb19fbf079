import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Person, TerminalAssignment, Terminal } from '../../src/db/entities';
import { terminalSyncProgressQuery, type SyncTerminalInput, type SyncTerminalResult } from '../../src/contracts';
import type { syncTerminal } from '../../src/workflows/terminals/sync-terminal.workflow';
import { UPLOAD_MODEL } from '../../src/targets/terminals/simulator/simulator';
import { pipelineWithProfile, startServices, type Services } from '../helpers/services';
import { addPeople, noiseJpeg, setPhoto, waitFor } from '../helpers/people';
import { terminalWithSimulator, usersOn } from '../helpers/terminals';
import { startTerminalProbe } from '../../src/temporal-client/terminals';
import { singleTaskQueue } from '../../src/contracts/task-queues';

describe('syncTerminal (real Temporal and PostgreSQL, upload-capable terminal simulator over HTTP)', () => {
  let s: Services;
  const closers: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    s = await startServices();
  });
  afterAll(async () => {
    for (const c of closers) await c();
    await s?.close();
  });

  const setup = async (count: number, opts: Parameters<typeof terminalWithSimulator>[2] = {}) => {
    const career = `Terminal ${Math.random().toString(36).slice(2, 8)}`;
    const people = await addPeople(s.orm, career, count);
    const t = await terminalWithSimulator(s.orm, s.secrets, { model: UPLOAD_MODEL, careers: [career], ...opts });
    closers.push(t.close);
    return { career, people, ...t };
  };
  const probe = async (tq: string, terminalId: string) =>
    (await startTerminalProbe({ client: s.temporal, queues: singleTaskQueue(tq) }, terminalId)).result();
  const run = (tq: string, input: SyncTerminalInput) =>
    s.temporal.workflow.start<typeof syncTerminal>('syncTerminal', { taskQueue: tq, workflowId: `sync-${input.terminalId}-${Date.now()}`, args: [input] });
  type Counts = Record<string, { record: number; modify: number; setUp: number }>;
  /** No user was written twice by the sync: at most one Record/Modify/SetUp per employeeNo since `before`. */
  const writtenOnce = (counts: Counts, before: Counts = {}) =>
    Object.entries(counts).filter(([k, c]) => {
      const b = before[k] ?? { record: 0, modify: 0, setUp: 0 };
      return c.record - b.record + c.modify - b.modify + c.setUp - b.setUp > 1;
    });

  it('full mode: reads the terminal, adds the missing, fixes a wrong name, uploads faces, reports users it does not manage as drift — never wiping first', async () => {
    const tq = s.taskQueue();
    const w = await s.startWorker(tq);
    const { people, terminalId, client, sim } = await setup(6);
    await probe(tq, terminalId);
    // Already on the terminal: one person under a wrong name, two people gatesync does not know, and a device admin.
    const valid = { enable: true, beginTime: '2026-01-01T00:00:00', endTime: '2030-01-01T00:00:00', timeType: 'local' as const };
    await client.recordUser({ employeeNo: people[0]!.ci, name: 'Wrong Name', Valid: valid });
    await client.recordUser({ employeeNo: 'X1', name: 'Extra One', Valid: valid });
    await client.recordUser({ employeeNo: 'X2', name: 'Extra Two', Valid: valid });
    await client.recordUser({ employeeNo: 'ADMIN', name: 'Site admin', Valid: valid, localUIRight: true });
    const before = sim.controls.writeCounts();

    const handle = await run(tq, { terminalId, mode: 'full', batchSize: 4 });
    const result: SyncTerminalResult = await handle.result();
    const history = await handle.fetchHistory();
    const failures = history.events?.filter((e) => e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes) ?? [];
    expect(JSON.stringify(failures)).toBe('[]');
    // 5 adds (with their faces), the wrong name fixed and its face uploaded; the 2 users gatesync never wrote and
    // that are nobody in its database are drift, left alone; the admin is not even that.
    expect(result).toMatchObject({ state: 'completed', total: 5 + 2 + 2 });
    const ops = await s.orm.em.fork().getConnection().execute<{ employee_no: string; op: string; detail: string }[]>(
      `select seq, employee_no, op, status, detail from terminal_sync_op where run_key = ? order by seq`,
      [result.runKey],
    );
    expect(result.counts, JSON.stringify(ops)).toMatchObject({ added: 5, updated: 1, removed: 0, drift: 2, failed: 0 });
    expect(result.counts.faces).toBe(1);
    expect(ops.filter((o) => o.op === 'drift').map((o) => o.employee_no).sort()).toEqual(['X1', 'X2']);
    expect(ops.find((o) => o.op === 'drift')?.detail).toMatch(/not written by gatesync.*left alone/);

    const on = await usersOn(client);
    expect([...on.keys()].sort()).toEqual([...people.map((p) => p.ci), 'ADMIN', 'X1', 'X2'].sort());
    for (const p of people) {
      expect(on.get(p.ci)?.name).toBe(`${p.givenName} Family Second`);
      expect(on.get(p.ci)?.faces).toBe(1);
    }
    expect(writtenOnce(sim.controls.writeCounts(), before)).toEqual([]);
    // The wrong-named user was modified in place, not deleted and re-created.
    expect(sim.controls.writeCounts()[people[0]!.ci]).toMatchObject({ record: before[people[0]!.ci]!.record, modify: 1, delete: 0 });
    const outcomes = await s.orm.em.fork().getConnection().execute<{ status: string }[]>(
      `select status from terminal_sync_op where run_key = ?`,
      [result.runKey],
    );
    expect(outcomes.every((o) => o.status === 'done')).toBe(true);

    // A second full run finds nothing to change, and the same drift.
    const again = await (await run(tq, { terminalId, mode: 'full' })).result();
    const againOps = await s.orm.em.fork().getConnection().execute(`select employee_no, op from terminal_sync_op where run_key = ?`, [again.runKey]);
    expect(again.total, JSON.stringify(againOps)).toBe(2);
    expect(again.counts).toMatchObject({ added: 0, updated: 0, faces: 0, removed: 0, drift: 2 });
    await w.stop();
  });

  it('full mode: removes unwanted users gatesync manages, leaves the rest as drift; prune "all" removes those too; device administrators stay either way', async () => {
    const tq = s.taskQueue();
    const w = await s.startWorker(tq);
    const { terminalId, client, sim } = await setup(2);
    await probe(tq, terminalId);
    const valid = { enable: true, beginTime: '2026-01-01T00:00:00', endTime: '2030-01-01T00:00:00', timeType: 'local' as const };
    // A person of gatesync's elsewhere (another career), a user gatesync wrote once (its state row) whose person is
    // gone, a guard enrolled at the terminal, and a device administrator.
    const elsewhere = (await addPeople(s.orm, `Elsewhere ${Math.random()}`, 1))[0]!;
    await client.recordUser({ employeeNo: elsewhere.ci, name: 'Elsewhere', Valid: valid });
    await client.recordUser({ employeeNo: 'FORMER', name: 'Former student', Valid: valid });
    await s.orm.em.fork().getConnection().execute(
      `insert into terminal_person_state (id, created_at, updated_at, terminal_id, employee_no, synced_name, face_bound) values (gen_random_uuid(), now(), now(), ?, 'FORMER', 'Former student', false)`,
      [terminalId],
    );
    await client.recordUser({ employeeNo: 'GUARD', name: 'Night guard', Valid: valid });
    await client.recordUser({ employeeNo: 'ADMIN', name: 'Site admin', Valid: valid, localUIRight: true });

    const managed = await (await run(tq, { terminalId, mode: 'full' })).result();
    expect(managed.counts).toMatchObject({ added: 2, removed: 2, drift: 1, failed: 0 });
    const after = [...(await usersOn(client)).keys()];
    expect(after).toEqual(expect.arrayContaining(['GUARD', 'ADMIN']));
    expect(after).not.toContain(elsewhere.ci);
    expect(after).not.toContain('FORMER');

    const all = await (await run(tq, { terminalId, mode: 'full', prune: 'all' })).result();
    expect(all.counts).toMatchObject({ added: 0, removed: 1, drift: 0, failed: 0 });
    expect((await usersOn(client)).has('GUARD')).toBe(false);
    expect((await usersOn(client)).has('ADMIN')).toBe(true);
    expect(sim.controls.writeCounts().ADMIN).toMatchObject({ delete: 0 });
    await w.stop();
  });

  it('writes validity windows in the terminal\'s own zone: an evening registration west or east of UTC is valid at once', async () => {
    const tq = s.taskQueue();
    const w = await s.startWorker(tq);
    const cases = [
      // UTC−5, registered at 19:30 there: 00:30 UTC the next day.
      { offset: -300, registeredAt: '2026-12-02T00:30:00Z', beginTime: '2026-12-01T00:00:00', endTime: '2027-12-01T23:59:59', validFrom: '2026-12-01T05:00:00.000Z' },
      // UTC+9, registered at 20:00 there.
      { offset: 540, registeredAt: '2026-12-02T11:00:00Z', beginTime: '2026-12-02T00:00:00', endTime: '2027-12-02T23:59:59', validFrom: '2026-12-01T15:00:00.000Z' },
      // UTC+9, registered at 07:30 there: still the day before in UTC.
      { offset: 540, registeredAt: '2026-12-02T22:30:00Z', beginTime: '2026-12-03T00:00:00', endTime: '2027-12-03T23:59:59', validFrom: '2026-12-02T15:00:00.000Z' },
    ];
    for (const c of cases) {
      const { people, terminalId, sim } = await setup(1, { utcOffsetMinutes: c.offset });
      const ci = people[0]!.ci;
      await s.orm.em.fork().getConnection().execute('update person set created_at = ? where ci = ?', [new Date(c.registeredAt), ci]);
      await probe(tq, terminalId);
      expect((await (await run(tq, { terminalId, mode: 'full' })).result()).counts.added).toBe(1);
      const onTerminal = sim.controls.users().find((u) => u.employeeNo === ci);
      expect(onTerminal?.Valid, JSON.stringify(c)).toEqual({ enable: true, beginTime: c.beginTime, endTime: c.endTime, timeType: 'local' });
      // The terminal, reading the window on its own clock, lets them in the minute they were registered.
      const decision = sim.controls.accessDecision(ci, new Date(new Date(c.registeredAt).getTime() + 60_000));
      expect(decision, JSON.stringify(c)).toMatchObject({ allowed: true, validFrom: c.validFrom });
      // Read at probe from /ISAPI/System/time and kept with the terminal.
      expect((await s.orm.em.fork().findOneOrFail(Terminal, { id: terminalId })).utcOffsetMinutes).toBe(c.offset);
    }
    await w.stop();
  });

  it('given a photo no rendition of which meets the terminal profile, should fail that person’s operation and go on', async () => {
    // This worker's terminals take at most 10 KB: the plain test photos fit, random pixels cannot be made that small.
    const tq = s.taskQueue();
    const w = await s.startWorker(tq, { photos: pipelineWithProfile(s.photos, 'isapi', { maxBytes: 10 * 1024 }) });
    const { people, terminalId, client } = await setup(3);
    await setPhoto(s.orm, people[1]!.ci, await noiseJpeg(800));
    await probe(tq, terminalId);
    const handle = await run(tq, { terminalId, mode: 'full' });
    const result: SyncTerminalResult = await handle.result();
    // Classified where it is known: no activity attempt failed, so nothing was retried.
    const history = await handle.fetchHistory();
    expect(history.events?.filter((e) => e.activityTaskFailedEventAttributes) ?? []).toEqual([]);
    expect(result).toMatchObject({ state: 'completed', counts: { added: 2, failed: 1 } });
    const [op] = await s.orm.em
      .fork()
      .getConnection()
      .execute<{ status: string; detail: string }[]>(`select status, detail from terminal_sync_op where run_key = ? and employee_no = ?`, [
        result.runKey,
        people[1]!.ci,
      ]);
    expect(op).toMatchObject({ status: 'failed', detail: expect.stringMatching(/KB is above 10 KB/) });
    const on = await usersOn(client);
    expect(on.get(people[0]!.ci)?.faces).toBe(1);
    expect(on.get(people[1]!.ci)?.faces ?? 0).toBe(0);
    await w.stop();
  });

  it('incremental mode: renames, leaving the career and joining by assignment become update, remove and add', async () => {
    const tq = s.taskQueue();
    const w = await s.startWorker(tq);
    const { people, terminalId, client } = await setup(4);
    await probe(tq, terminalId);
    expect((await (await run(tq, { terminalId, mode: 'incremental' })).result()).counts.added).toBe(4);

    const em = s.orm.em.fork();
    const renamed = await em.findOneOrFail(Person, { ci: people[0]!.ci });
    renamed.givenName = 'Renamed';
    const gone = await em.findOneOrFail(Person, { ci: people[1]!.ci });
    gone.active = false;
    const other = (await addPeople(s.orm, `Elsewhere ${Math.random()}`, 1))[0]!;
    em.persist(new TerminalAssignment(em.getReference(Terminal, terminalId, { wrapped: true }), em.getReference(Person, (await em.findOneOrFail(Person, { ci: other.ci })).id, { wrapped: true })));
    await em.flush();

    const r = await (await run(tq, { terminalId, mode: 'incremental' })).result();
    expect(r.counts).toMatchObject({ updated: 1, removed: 1, added: 1, failed: 0 });
    const on = await usersOn(client);
    expect(on.get(people[0]!.ci)?.name).toBe('Renamed Family Second');
    expect(on.has(people[1]!.ci)).toBe(false);
    expect(on.has(other.ci)).toBe(true);
    await w.stop();
  });

  it('given Device Busy answers, should pause, show it, and resume at the same operation', async () => {
    const tq = s.taskQueue();
    const w = await s.startWorker(tq);
    const { people, terminalId, client, sim } = await setup(8);
    await probe(tq, terminalId);
    sim.controls.busyNext(2);
    const h = await run(tq, { terminalId, mode: 'incremental', busyPauseMs: 1_500, batchSize: 3 });
    const paused = await waitFor(async () => {
      const p = await h.query(terminalSyncProgressQuery);
      return p.state === 'pausedOnBusy' ? p : undefined;
    }, 'the run pausing on busy');
    expect(paused.pausedUntil).not.toBeNull();
    const r = await h.result();
    expect(r.state).toBe('completed');
    expect(r.busyPauses).toBeGreaterThanOrEqual(1);
    expect(r.counts).toMatchObject({ added: 8, failed: 0 });
    expect((await usersOn(client)).size).toBe(people.length);
    expect(writtenOnce(sim.controls.writeCounts())).toEqual([]);
    await w.stop();
  });

  it('given the worker stops mid-run, a new worker should finish it with the terminal equal to the database and no user written twice', async () => {
    const tq = s.taskQueue();
    let w = await s.startWorker(tq);
    const { people, terminalId, client, sim } = await setup(40, { latencyMs: 25 });
    await probe(tq, terminalId);
    const h = await run(tq, { terminalId, mode: 'full', batchSize: 5 });
    await waitFor(async () => (Object.keys(sim.controls.writeCounts()).length >= 12 ? true : undefined), 'a dozen users written', 60_000);
    await w.stop();
    const mid = Object.keys(sim.controls.writeCounts()).length;
    expect(mid).toBeLessThan(40);
    w = await s.startWorker(tq);
    const r = await h.result();
    expect(r.state).toBe('completed');
    const on = await usersOn(client);
    expect([...on.keys()].sort()).toEqual(people.map((p) => p.ci).sort());
    expect(writtenOnce(sim.controls.writeCounts())).toEqual([]);
    await w.stop();
  }, 120_000);

  it('given pacingMs, should space the terminal writes at least that far apart', async () => {
    const tq = s.taskQueue();
    const w = await s.startWorker(tq);
    const { terminalId, sim } = await setup(5);
    await probe(tq, terminalId);
    const r = await (await run(tq, { terminalId, mode: 'incremental', pacingMs: 150, batchSize: 2 })).result();
    expect(r.counts.added).toBe(5);
    const writes = sim.controls
      .requestLog()
      .filter((q) => q.method !== 'GET' && /UserInfo\/Record|FDLib\/(FaceDataRecord|FDSetUp)/.test(q.path) && q.httpStatus !== 401)
      .map((q) => q.at);
    expect(writes.length).toBeGreaterThanOrEqual(5);
    // Each write starts 150 ms after the previous one finished (across batches too), so arrivals are at least that far apart.
    for (let i = 1; i < writes.length; i++) expect(writes[i]! - writes[i - 1]!).toBeGreaterThanOrEqual(150);
    await w.stop();
  });
});
