import { Router } from 'express';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { ApiDeps } from '../../deps';
import { parsed, validate } from '../../validate';
import { conflict, notFound } from '../../http-errors';
import { Career, SyncOutcome, SyncRun } from '../../../db/entities';
import {
  bulkCareerSyncWorkflowId,
  cancelSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
  type BulkCareerSyncInput,
  type BulkSyncProgress,
} from '../../../workflows/contracts';
import type { bulkCareerSync } from '../../../workflows/bulk-career-sync.workflow';
import {
  listSyncsQuery,
  outcomesQuery,
  startCareerSyncBody,
  startCareerSyncParams,
  workflowIdParams,
  type StartCareerSyncBody,
} from './schemas';

export function syncsRouter(deps: ApiDeps): Router {
  const r = Router();
  const em = () => deps.orm.em.fork();

  const start = async (input: BulkCareerSyncInput) => {
    const workflowId = bulkCareerSyncWorkflowId(input.career);
    try {
      const handle = await deps.temporal.workflow.start<typeof bulkCareerSync>('bulkCareerSync', {
        taskQueue: deps.taskQueue,
        workflowId,
        args: [input],
      });
      return { workflowId, runId: handle.firstExecutionRunId };
    } catch (e) {
      if (e instanceof WorkflowExecutionAlreadyStartedError) {
        const running = await deps.temporal.workflow.getHandle(workflowId).describe();
        // One run per career at a time: answer with the one that is running.
        throw conflict('a sync of this career is already running', { workflowId, runId: running.runId });
      }
      throw e;
    }
  };

  r.post('/careers/:career', validate({ params: startCareerSyncParams, body: startCareerSyncBody }), async (_req, res) => {
    const { params, body } = parsed<StartCareerSyncBody, { career: string }>(res);
    if ((await em().count(Career, { name: params.career })) === 0) throw notFound(`career ${params.career}`);
    const started = await start({
      career: params.career,
      pacingMs: body.pacingMs ?? deps.defaultPacingMs,
      busyPauseMs: body.busyPauseMs ?? deps.busyPauseMs,
    });
    res.status(202).json(started);
  });

  r.get('/', validate({ query: listSyncsQuery }), async (_req, res) => {
    const { query } = parsed<unknown, unknown, { state?: string; career?: string; limit: number; offset: number }>(res);
    const where: Record<string, unknown> = {};
    if (query.state !== undefined) where.state = query.state;
    if (query.career !== undefined) where.career = query.career;
    const [runs, total] = await em().findAndCount(SyncRun, where, {
      orderBy: { startedAt: 'desc' },
      limit: query.limit,
      offset: query.offset,
    });
    res.json({ total, items: runs.map(runView) });
  });

  const handleFor = async (workflowId: string): Promise<{ handle: WorkflowHandle; running: boolean }> => {
    const handle = deps.temporal.workflow.getHandle(workflowId);
    try {
      const d = await handle.describe();
      return { handle, running: d.status.name === 'RUNNING' };
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) throw notFound(`sync ${workflowId}`);
      throw e;
    }
  };

  r.get('/:workflowId', validate({ params: workflowIdParams }), async (_req, res) => {
    const { params } = parsed<unknown, { workflowId: string }>(res);
    const latest = await em().findOne(SyncRun, { workflowId: params.workflowId }, { orderBy: { startedAt: 'desc' } });
    let progress: BulkSyncProgress | null = null;
    let status: string | null = null;
    try {
      const { handle, running } = await handleFor(params.workflowId);
      status = running ? 'RUNNING' : 'CLOSED';
      if (running) progress = await handle.query(progressQuery);
    } catch (e) {
      if (latest === null) throw e;
    }
    if (progress === null && latest === null) throw notFound(`sync ${params.workflowId}`);
    res.json({ workflowId: params.workflowId, temporalStatus: status, progress, run: latest ? runView(latest) : null });
  });

  const signalRoute = (name: 'pause' | 'resume' | 'cancel') =>
    r.post(`/:workflowId/${name}`, validate({ params: workflowIdParams }), async (_req, res) => {
      const { params } = parsed<unknown, { workflowId: string }>(res);
      const { handle, running } = await handleFor(params.workflowId);
      if (!running) throw conflict(`sync ${params.workflowId} is not running`);
      const signal = name === 'pause' ? pauseSignal : name === 'resume' ? resumeSignal : cancelSignal;
      await handle.signal(signal);
      res.status(202).json({ workflowId: params.workflowId, signal: name });
    });
  signalRoute('pause');
  signalRoute('resume');
  signalRoute('cancel');

  r.get('/:workflowId/outcomes', validate({ params: workflowIdParams, query: outcomesQuery }), async (_req, res) => {
    const { params, query } = parsed<unknown, { workflowId: string }, { outcome?: string; limit: number; offset: number }>(res);
    const run = await em().findOne(SyncRun, { workflowId: params.workflowId }, { orderBy: { startedAt: 'desc' } });
    if (run === null) throw notFound(`sync ${params.workflowId}`);
    const where: Record<string, unknown> = { run: run.id };
    if (query.outcome !== undefined) where.outcome = query.outcome;
    const [items, total] = await em().findAndCount(SyncOutcome, where, { orderBy: { ci: 'asc' }, limit: query.limit, offset: query.offset });
    res.json({
      total,
      items: items.map((o) => ({ ci: o.ci, outcome: o.outcome, code: o.code, message: o.message, at: o.updatedAt.toISOString() })),
    });
  });

  r.post('/:workflowId/retry-failed', validate({ params: workflowIdParams }), async (_req, res) => {
    const { params } = parsed<unknown, { workflowId: string }>(res);
    const fork = em();
    const run = await fork.findOne(SyncRun, { workflowId: params.workflowId }, { orderBy: { startedAt: 'desc' } });
    if (run === null || run.career === null || run.career === undefined) throw notFound(`sync ${params.workflowId}`);
    const failed = await fork.count(SyncOutcome, { run: run.id, outcome: 'failed' });
    if (failed === 0) throw conflict('that run has no failed people to retry');
    const params2 = run.params as { pacingMs?: number; busyPauseMs?: number };
    const started = await start({
      career: run.career,
      retryOfRunId: run.id,
      pacingMs: params2.pacingMs ?? deps.defaultPacingMs,
      busyPauseMs: params2.busyPauseMs ?? deps.busyPauseMs,
    });
    res.status(202).json({ ...started, retrying: failed });
  });

  return r;
}

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
