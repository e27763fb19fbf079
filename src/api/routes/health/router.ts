import type { ApiDeps } from '../../deps';
import { answers, route, type ApiRoute } from '../../route-registry';

type Check = { ok: boolean; detail: string };

const timed = async (fn: () => Promise<Check>, ms = 3000): Promise<Check> => {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fn(),
      new Promise<Check>((resolve) => (t = setTimeout(() => resolve({ ok: false, detail: 'timeout' }), ms))),
    ]);
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  } finally {
    if (t !== undefined) clearTimeout(t);
  }
};

/** GET /api/health: database, Temporal, a worker polling gatesync's task queue, and HikCentral. */
export function healthRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/health',
      summary: 'Database, Temporal, a worker and HikCentral',
      responses: { 200: answers.json('healthy'), 503: answers.json('degraded') },
      handler: async (_input, res) => {
        const [database, temporal, worker, hikcentral] = await Promise.all([
          timed(async () => {
            await deps.orm.em.fork().getConnection().execute('select 1');
            return { ok: true, detail: 'connected' };
          }),
          timed(async () => {
            const info = await deps.temporal.connection.workflowService.getSystemInfo({});
            return { ok: true, detail: `server ${info.serverVersion ?? 'unknown'}` };
          }),
          timed(async () => {
            const tq = await deps.temporal.connection.workflowService.describeTaskQueue({
              namespace: deps.temporal.options.namespace,
              taskQueue: { name: deps.queues.hikcentral },
              taskQueueType: 1,
            });
            const pollers = tq.pollers?.length ?? 0;
            return { ok: pollers > 0, detail: `${pollers} workflow poller(s) on ${deps.queues.hikcentral}` };
          }),
          timed(deps.checkHikCentral),
        ]);
        const ok = database.ok && temporal.ok && worker.ok && hikcentral.ok;
        res
          .status(ok ? 200 : 503)
          .json({ status: ok ? 'ok' : 'degraded', database, temporal, worker, targets: { hikcentral } });
      },
    }),
  ];
}
