import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '@mikro-orm/postgresql';
import { initOrm } from '../../src/db/orm';
import { TerminalClients } from '../../src/activities/terminals/terminal-clients';
import { createTerminalActivities } from '../../src/activities/terminals/terminal-activities';
import { startServices, type Services } from '../helpers/services';
import { terminalWithSimulator } from '../helpers/terminals';
import { addPeople } from '../helpers/people';

/**
 * Two worker processes, each with its own TerminalClients and its own database pool, driving one terminal at once:
 * the terminal must never see two requests in flight (reference §2.2: it answers Device Busy or queues).
 */
describe('one request in flight per terminal across worker processes (real PostgreSQL, terminal simulator over HTTP)', () => {
  let s: Services;
  const orms: MikroORM[] = [];
  beforeAll(async () => {
    s = await startServices();
  });
  afterAll(async () => {
    for (const orm of orms) await orm.close(true);
    await s?.close();
  });

  /** Two processes' worth of clients: an ORM (so a pool) and a TerminalClients each. */
  const twoProcesses = () =>
    Promise.all(
      [1, 2].map(async () => {
        const orm = await initOrm(s.databaseUrl);
        orms.push(orm);
        return { orm, clients: new TerminalClients(s.secrets, 5_000) };
      }),
    );
  const paths = (t: { sim: { controls: { requestLog(): Array<{ path: string; httpStatus?: number }> } } }) =>
    t.sim.controls
      .requestLog()
      .filter((r) => r.httpStatus !== 401)
      .map((r) => r.path.split('?')[0]);

  it('should keep the terminal at one request in flight while two processes call it concurrently', async () => {
    // Latency keeps each request open long enough for the other process's request to arrive during it.
    const t = await terminalWithSimulator(s.orm, s.secrets, { latencyMs: 50 });
    const workers = await twoProcesses();
    try {
      const calls = workers.flatMap(({ orm, clients }) =>
        [1, 2, 3, 4].map(async () => {
          const { client } = await clients.forTerminal(orm.em.fork(), t.terminalId);
          return client.deviceInfo();
        }),
      );
      await Promise.all(calls);
      const reads = t.sim.controls
        .requestLog()
        .filter((r) => r.path === '/ISAPI/System/deviceInfo' && r.httpStatus === 200);
      expect(reads).toHaveLength(8);
      expect(t.sim.controls.maxConcurrent()).toBe(1);
      // Outside `holding`, every call holds the terminal for itself.
      expect(workers.map(({ orm, clients }) => clients.locks(orm.em.fork()).acquisitions)).toEqual([4, 4]);
    } finally {
      for (const { clients } of workers) await clients.close();
      await t.close();
    }
  });

  it("should hold the terminal once for all the calls of a span, and never let two processes' spans overlap", async () => {
    const t = await terminalWithSimulator(s.orm, s.secrets, { latencyMs: 20 });
    const workers = await twoProcesses();
    try {
      // Each process's span makes its own kind of call, so the request log shows whose span the terminal served.
      const spans = workers.map(({ orm, clients }, i) =>
        clients.holding(orm.em.fork(), t.terminalId, async ({ client }) => {
          for (let k = 0; k < 5; k++) await (i === 0 ? client.deviceInfo() : client.countUsers());
        }),
      );
      await Promise.all(spans);
      expect(t.sim.controls.maxConcurrent()).toBe(1);
      const served = paths(t);
      expect(served).toHaveLength(10);
      // One span's five calls, then the other's: nothing of the other process in between.
      const runs = served.filter((p, k) => k === 0 || p !== served[k - 1]);
      expect(runs).toHaveLength(2);
      expect(workers.map(({ orm, clients }) => clients.locks(orm.em.fork()).acquisitions)).toEqual([1, 1]);
    } finally {
      for (const { clients } of workers) await clients.close();
      await t.close();
    }
  });

  it('should not deadlock when a span nests another on the same terminal, nor when a call outside the span comes meanwhile', async () => {
    const t = await terminalWithSimulator(s.orm, s.secrets, { latencyMs: 20 });
    const clients = new TerminalClients(s.secrets, 5_000);
    const em = () => s.orm.em.fork();
    try {
      const { client: sameClient } = await clients.forTerminal(em(), t.terminalId);
      let spanStarted!: () => void;
      const started = new Promise<void>((resolve) => (spanStarted = resolve));
      let outsideQueued!: () => void;
      const queued = new Promise<void>((resolve) => (outsideQueued = resolve));
      const span = clients.holding(em(), t.terminalId, async ({ client }) => {
        await client.deviceInfo();
        spanStarted();
        await queued;
        // The call outside now waits for this span; the span's next calls must not wait behind it.
        await clients.holding(em(), t.terminalId, async ({ client: inner }) => inner.deviceInfo());
        await client.deviceInfo();
      });
      await started;
      // A call of this process not made from the span, while the span holds the terminal: it asks for the terminal
      // as it is sent.
      const outside = sameClient.countUsers();
      outsideQueued();
      await Promise.all([span, outside]);
      expect(paths(t)).toEqual([
        '/ISAPI/System/deviceInfo',
        '/ISAPI/System/deviceInfo',
        '/ISAPI/System/deviceInfo',
        '/ISAPI/AccessControl/UserInfo/Count',
      ]);
      expect(t.sim.controls.maxConcurrent()).toBe(1);
      // The span's lock, then the lone call's own.
      expect(clients.locks(em()).acquisitions).toBe(2);
    } finally {
      await clients.close();
      await t.close();
    }
  });

  it('should let go of the terminal when the work in a span fails', async () => {
    const t = await terminalWithSimulator(s.orm, s.secrets);
    const workers = await twoProcesses();
    const [a, b] = workers as [(typeof workers)[0], (typeof workers)[0]];
    try {
      await expect(
        a.clients.holding(a.orm.em.fork(), t.terminalId, async ({ client }) => {
          await client.deviceInfo();
          throw new Error('the work failed');
        }),
      ).rejects.toThrow('the work failed');
      await b.clients.holding(b.orm.em.fork(), t.terminalId, ({ client }) => client.deviceInfo());
      expect(paths(t)).toHaveLength(2);
    } finally {
      for (const { clients } of workers) await clients.close();
      await t.close();
    }
  });

  it('should beat while it waits for another process, and stop waiting when cancelled, never running its work', async () => {
    const t = await terminalWithSimulator(s.orm, s.secrets);
    const workers = await twoProcesses();
    const [a, b] = workers as [(typeof workers)[0], (typeof workers)[0]];
    try {
      let beaten!: () => void;
      const beat = new Promise<void>((resolve) => (beaten = resolve));
      let holderIn!: () => void;
      const holderHolds = new Promise<void>((resolve) => (holderIn = resolve));
      // The holder keeps the terminal until the waiter has heartbeaten once.
      const holder = a.clients.holding(a.orm.em.fork(), t.terminalId, async ({ client }) => {
        await client.deviceInfo();
        holderIn();
        await beat;
      });
      await holderHolds;
      const cancel = new AbortController();
      let cancelledRan = false;
      const cancelled = b.clients.holding(
        b.orm.em.fork(),
        t.terminalId,
        async () => {
          cancelledRan = true;
        },
        { signal: cancel.signal },
      );
      const waiter = b.clients.holding(b.orm.em.fork(), t.terminalId, ({ client }) => client.countUsers(), {
        whileWaiting: beaten,
      });
      cancel.abort(new Error('cancelled while waiting'));
      await expect(cancelled).rejects.toThrow('cancelled while waiting');
      await holder;
      await waiter;
      expect(cancelledRan).toBe(false);
      expect(paths(t)).toEqual(['/ISAPI/System/deviceInfo', '/ISAPI/AccessControl/UserInfo/Count']);
    } finally {
      for (const { clients } of workers) await clients.close();
      await t.close();
    }
  });

  it('should hold the terminal once per sync activity, however many calls it makes, while another process syncs it too', async () => {
    const career = `Lock ${Math.random().toString(36).slice(2, 8)}`;
    await addPeople(s.orm, career, 8, { noPhoto: [0, 1, 2, 3, 4, 5, 6, 7] });
    const t = await terminalWithSimulator(s.orm, s.secrets, { latencyMs: 10, careers: [career] });
    const workers = await twoProcesses();
    try {
      const activities = workers.map(({ orm, clients }) =>
        createTerminalActivities({ orm, terminals: clients, photos: s.photos, validityDays: 365, capturePollMs: 50 }),
      );
      // Two runs of the same sync, one per process, at once: each plans, then applies its operations in one batch.
      await Promise.all(
        activities.map(async (act, i) => {
          const runKey = `lock-test-${t.terminalId}-${i}`;
          const { total } = await act.planTerminalSync({ terminalId: t.terminalId, runKey, mode: 'incremental' });
          expect(total).toBe(8);
          await act.applyTerminalOps({ terminalId: t.terminalId, runKey, afterSeq: 0, limit: 100, pacingMs: 0 });
        }),
      );
      expect(t.sim.controls.users()).toHaveLength(8);
      expect(t.sim.controls.maxConcurrent()).toBe(1);
      // Every add reads, then writes: many calls per activity, one lock each for the plan and the batch.
      expect(paths(t).length).toBeGreaterThanOrEqual(2 * 8);
      expect(workers.map(({ orm, clients }) => clients.locks(orm.em.fork()).acquisitions)).toEqual([2, 2]);
    } finally {
      for (const { clients } of workers) await clients.close();
      await t.close();
    }
  });
});
