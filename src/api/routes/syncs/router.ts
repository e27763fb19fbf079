import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { ApiDeps } from '../../deps';
import { answers, route, type ApiRoute } from '../../route-registry';
import { conflict, notFound } from '../../http-errors';
import { temporalOf } from '../../temporal-of';
import { Career, SyncOutcome, SyncRun } from '../../../db/entities';
import { isBulkCareerSyncWorkflowId, type BulkCareerSyncInput, type BulkSyncProgress } from '../../../contracts';
import {
  BULK_CAREER_SYNC_CONTROLS,
  bulkCareerSyncHandle,
  bulkCareerSyncProgress,
  controlBulkCareerSync,
  findBulkCareerSync,
  startBulkCareerSync,
  type BulkCareerSyncHandle,
} from '../../../temporal-client/hikcentral';
import {
  listSyncsQuery,
  outcomesQuery,
  startCareerSyncBody,
  startCareerSyncParams,
  syncAnswer,
  workflowIdParams,
  type SyncAnswer,
} from './schemas';

const { json, error } = answers;

/** A bulk career sync as Temporal knows it, or null when it does not (any more). */
interface LiveSync {
  handle: BulkCareerSyncHandle;
  running: boolean;
}

export function syncsRoutes(deps: ApiDeps): ApiRoute[] {
  const em = () => deps.orm.em.fork();
  const temporal = temporalOf(deps);

  const start = async (input: BulkCareerSyncInput) => {
    try {
      const handle = await startBulkCareerSync(temporal, input);
      return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
    } catch (e) {
      if (e instanceof WorkflowExecutionAlreadyStartedError) {
        const running = await bulkCareerSyncHandle(temporal, input.career).describe();
        // One run per career at a time: answer with the one that is running.
        throw conflict('a sync of this career is already running', { workflowId: e.workflowId, runId: running.runId });
      }
      throw e;
    }
  };

  /**
   * The syncs routes act only on bulk career syncs: another feature's workflow id (a door's device-sync, a
   * terminal's enrolment) is "not found" here, and is never queried or signalled — by id, and by the type
   * Temporal reports.
   */
  const liveSync = async (workflowId: string): Promise<LiveSync | null> => {
    const found = await findBulkCareerSync(temporal, workflowId);
    if (found.found === 'other') throw notFound(`sync ${workflowId}`);
    if (found.found === 'unknown') return null;
    return { handle: found.handle, running: found.found === 'running' };
  };
  const latestRun = (workflowId: string) => em().findOne(SyncRun, { workflowId }, { orderBy: { startedAt: 'desc' } });

  return [
    route({
      method: 'post',
      path: '/api/syncs/careers/:career',
      summary: "Start a bulk sync of a career's people to HikCentral",
      params: startCareerSyncParams,
      body: startCareerSyncBody,
      responses: { 202: json('{ workflowId, runId }'), 404: error, 409: error },
      handler: async ({ params, body }, res) => {
        if ((await em().count(Career, { name: params.career })) === 0) throw notFound(`career ${params.career}`);
        const started = await start({
          career: params.career,
          pacingMs: body.pacingMs ?? deps.defaultPacingMs,
          busyPauseMs: body.busyPauseMs ?? deps.busyPauseMs,
        });
        res.status(202).json(started);
      },
    }),

    route({
      method: 'get',
      path: '/api/syncs',
      summary: 'Sync runs, newest first',
      query: listSyncsQuery,
      responses: { 200: json('{ total, items }') },
      handler: async ({ query }, res) => {
        const where: Record<string, unknown> = {};
        if (query.state !== undefined) where.state = query.state;
        if (query.career !== undefined) where.career = query.career;
        const [runs, total] = await em().findAndCount(SyncRun, where, {
          orderBy: { startedAt: 'desc' },
          limit: query.limit,
          offset: query.offset,
        });
        res.json({ total, items: runs.map(runView) });
      },
    }),

    route({
      method: 'get',
      path: '/api/syncs/:workflowId',
      summary: "A bulk sync's progress, running or closed",
      params: workflowIdParams,
      responses: {
        200: json(
          'total, processed, percent, current, counts, state, pausedUntil, lastError; workflowId, temporalStatus, run',
          syncAnswer,
        ),
        404: error,
      },
      handler: async ({ params }, res) => {
        const [live, latest] = await Promise.all([liveSync(params.workflowId), latestRun(params.workflowId)]);
        const progress = live?.running === true ? await bulkCareerSyncProgress(live.handle) : null;
        if (progress === null && latest === null) throw notFound(`sync ${params.workflowId}`);
        const temporalStatus = live === null ? null : live.running ? 'RUNNING' : 'CLOSED';
        const fields = progress !== null ? progressFields(progress) : progressOfRun(latest as SyncRun);
        const answer: SyncAnswer = {
          workflowId: params.workflowId,
          temporalStatus,
          ...fields,
          run: latest ? runView(latest) : null,
        };
        res.json(answer);
      },
    }),

    ...BULK_CAREER_SYNC_CONTROLS.map((name) =>
      route({
        method: 'post',
        path: `/api/syncs/:workflowId/${name}`,
        summary: `${name[0]?.toUpperCase()}${name.slice(1)} a running bulk sync`,
        params: workflowIdParams,
        responses: { 202: json('{ workflowId, signal }'), 404: error, 409: error },
        handler: async ({ params }, res) => {
          const live = await liveSync(params.workflowId);
          if (live === null) throw notFound(`sync ${params.workflowId}`);
          if (!live.running) throw conflict(`sync ${params.workflowId} is not running`);
          await controlBulkCareerSync(live.handle, name);
          res.status(202).json({ workflowId: params.workflowId, signal: name });
        },
      }),
    ),

    route({
      method: 'get',
      path: '/api/syncs/:workflowId/outcomes',
      summary: "Each person's outcome in the latest run",
      params: workflowIdParams,
      query: outcomesQuery,
      responses: { 200: json('{ total, items }'), 404: error },
      handler: async ({ params, query }, res) => {
        if (!isBulkCareerSyncWorkflowId(params.workflowId)) throw notFound(`sync ${params.workflowId}`);
        const run = await latestRun(params.workflowId);
        if (run === null) throw notFound(`sync ${params.workflowId}`);
        const where: Record<string, unknown> = { run: run.id };
        if (query.outcome !== undefined) where.outcome = query.outcome;
        const [items, total] = await em().findAndCount(SyncOutcome, where, {
          orderBy: { ci: 'asc' },
          limit: query.limit,
          offset: query.offset,
        });
        res.json({
          total,
          items: items.map((o) => ({
            ci: o.ci,
            outcome: o.outcome,
            code: o.code,
            message: o.message,
            at: o.updatedAt.toISOString(),
          })),
        });
      },
    }),

    route({
      method: 'post',
      path: '/api/syncs/:workflowId/retry-failed',
      summary: 'Run the people who failed in the latest run again',
      params: workflowIdParams,
      responses: { 202: json('{ workflowId, runId, retrying }'), 404: error, 409: error },
      handler: async ({ params }, res) => {
        if (!isBulkCareerSyncWorkflowId(params.workflowId)) throw notFound(`sync ${params.workflowId}`);
        const fork = em();
        const run = await fork.findOne(SyncRun, { workflowId: params.workflowId }, { orderBy: { startedAt: 'desc' } });
        if (run === null || run.career === null || run.career === undefined)
          throw notFound(`sync ${params.workflowId}`);
        const failed = await fork.count(SyncOutcome, { run: run.id, outcome: 'failed' });
        if (failed === 0) throw conflict('that run has no failed people to retry');
        const runParams = run.params as { pacingMs?: number; busyPauseMs?: number };
        const started = await start({
          career: run.career,
          retryOfRunId: run.id,
          pacingMs: runParams.pacingMs ?? deps.defaultPacingMs,
          busyPauseMs: runParams.busyPauseMs ?? deps.busyPauseMs,
        });
        res.status(202).json({ ...started, retrying: failed });
      },
    }),
  ];
}

type ProgressFields = Omit<SyncAnswer, 'workflowId' | 'temporalStatus' | 'run'>;

const progressFields = (p: BulkSyncProgress): ProgressFields => ({
  total: p.total,
  processed: p.processed,
  percent: p.percent,
  current: p.current,
  counts: p.counts,
  state: p.state,
  pausedUntil: p.pausedUntil,
  lastError: p.lastError,
});

/** The same fields from the run row, which the workflow writes last before it closes. */
const progressOfRun = (run: SyncRun): ProgressFields => ({
  total: run.total,
  processed: run.processed,
  // As the workflow computes it: an empty career is done.
  percent: run.total > 0 ? Math.min(100, Math.round((run.processed / run.total) * 1000) / 10) : 100,
  current: null,
  counts: run.counters,
  state: run.state,
  pausedUntil: null,
  lastError: run.lastError ?? null,
});

function runView(run: SyncRun) {
  return {
    id: run.id,
    workflowId: run.workflowId,
    firstRunId: run.firstRunId,
    kind: run.kind,
    career: run.career ?? null,
    params: run.params,
    total: run.total,
    processed: run.processed,
    counts: run.counters,
    state: run.state,
    lastError: run.lastError ?? null,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}
