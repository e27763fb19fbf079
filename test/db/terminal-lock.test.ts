import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '@mikro-orm/postgresql';
import { initOrm } from '../../src/db/orm';
import { TerminalClients } from '../../src/activities/terminals/terminal-clients';
import { startServices, type Services } from '../helpers/services';
import { terminalWithSimulator } from '../helpers/terminals';

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

  it('should keep the terminal at one request in flight while two processes call it concurrently', async () => {
    // Latency keeps each request open long enough for the other process's request to arrive during it.
    const t = await terminalWithSimulator(s.orm, s.secrets, { latencyMs: 50 });
    const workers = await Promise.all(
      [1, 2].map(async () => {
        const orm = await initOrm(s.databaseUrl);
        orms.push(orm);
        return { orm, clients: new TerminalClients(s.secrets, 5_000) };
      }),
    );
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
    } finally {
      for (const { clients } of workers) await clients.close();
      await t.close();
    }
  });
});
