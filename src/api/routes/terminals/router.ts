import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { ApiDeps } from '../../deps';
import { answers, route, type ApiRoute } from '../../route-registry';
import { conflict, notFound } from '../../http-errors';
import { sendPhoto } from '../../send-photo';
import { Person, Terminal, TerminalAssignment, TerminalCapture, TerminalSyncOp } from '../../../db/entities';
import { withdrawCaptures } from '../../../db/repositories/terminals/terminal-captures';
import type { SyncTerminalInput } from '../../../contracts';
import {
  enrolmentHandle,
  enrolmentProgress,
  startTerminalSync,
  terminalSyncHandle,
  terminalSyncProgress,
} from '../../../temporal-client/terminals';
import {
  assignmentParams,
  assignmentsBody,
  captureIdParams,
  createTerminalBody,
  enrollBody,
  outcomesQuery,
  patchTerminalBody,
  startTerminalSyncBody,
  terminalIdParams,
} from './schemas';
import { terminalView } from './views';
import { probeTerminalNow, startEnrolment } from './workflows';
import { temporalOf } from '../../temporal-of';

const DEFAULT_PORT = { http: 80, https: 443 } as const;

const { json, error } = answers;

/** Terminals over ISAPI: registry, probe, assignments, sync and enrolment. */
export function terminalsRoutes(deps: ApiDeps): ApiRoute[] {
  const em = () => deps.orm.em.fork();
  const load = async (id: string) => {
    const t = await em().findOne(Terminal, { id });
    if (t === null) throw notFound(`terminal ${id}`);
    return t;
  };

  return [
    route({
      method: 'post',
      path: '/api/terminals',
      summary: 'Register a terminal (its password is sealed, never shown)',
      body: createTerminalBody,
      responses: { 201: json('the terminal, without its password'), 409: error },
      handler: async ({ body }, res) => {
        const fork = em();
        const t = new Terminal({
          name: body.name,
          host: body.host,
          port: body.port ?? DEFAULT_PORT[body.scheme],
          scheme: body.scheme,
          username: body.username,
          passwordSealed: deps.secrets.seal(body.password),
        });
        t.caPem = body.caPem ?? null;
        t.insecureTls = body.insecureTls;
        t.careers = body.careers;
        try {
          await fork.persistAndFlush(t);
        } catch (e) {
          if (e instanceof UniqueConstraintViolationException) throw conflict(`a terminal named ${body.name} exists`);
          throw e;
        }
        deps.logger.info({ terminal: t.id, name: t.name, host: t.host }, 'terminal registered');
        res.status(201).json(terminalView(t));
      },
    }),

    route({
      method: 'get',
      path: '/api/terminals',
      summary: 'Every terminal',
      responses: { 200: json('{ items }') },
      handler: async (_input, res) => {
        res.json({ items: (await em().find(Terminal, {}, { orderBy: { name: 'asc' } })).map(terminalView) });
      },
    }),

    route({
      method: 'get',
      path: '/api/terminals/:id',
      summary: 'A terminal',
      params: terminalIdParams,
      responses: { 200: json('the terminal'), 404: error },
      handler: async ({ params }, res) => {
        res.json(terminalView(await load(params.id)));
      },
    }),

    route({
      method: 'patch',
      path: '/api/terminals/:id',
      summary: "Change a terminal's registration",
      params: terminalIdParams,
      body: patchTerminalBody,
      responses: { 200: json('the terminal'), 404: error, 409: error },
      handler: async ({ params, body }, res) => {
        const fork = em();
        const t = await fork.findOne(Terminal, { id: params.id });
        if (t === null) throw notFound(`terminal ${params.id}`);
        const { password, ...rest } = body;
        Object.assign(t, rest);
        if (password !== undefined) t.passwordSealed = deps.secrets.seal(password);
        try {
          await fork.flush();
        } catch (e) {
          if (e instanceof UniqueConstraintViolationException) throw conflict(`a terminal named ${body.name} exists`);
          throw e;
        }
        res.json(terminalView(t));
      },
    }),

    route({
      method: 'delete',
      path: '/api/terminals/:id',
      summary: 'Remove a terminal',
      params: terminalIdParams,
      responses: { 204: answers.empty('removed'), 404: error },
      handler: async ({ params }, res) => {
        if ((await em().nativeDelete(Terminal, { id: params.id })) === 0) throw notFound(`terminal ${params.id}`);
        res.status(204).end();
      },
    }),

    route({
      method: 'post',
      path: '/api/terminals/:id/probe',
      summary: "Read a terminal's model, firmware, capacity and face methods",
      params: terminalIdParams,
      responses: { 200: json('the terminal with its capabilities'), 404: error, 502: error, 504: error },
      handler: async ({ params }, res) => {
        await load(params.id);
        const probe = await probeTerminalNow(deps, params.id);
        res.json({ ...terminalView(await load(params.id)), probe: { error: probe.error } });
      },
    }),

    route({
      method: 'post',
      path: '/api/terminals/:id/assignments',
      summary: 'Assign people to a terminal besides its careers',
      params: terminalIdParams,
      body: assignmentsBody,
      responses: { 200: json('{ assigned }'), 404: error },
      handler: async ({ params, body }, res) => {
        await load(params.id);
        const fork = em();
        const people = await fork.find(Person, { ci: { $in: body.cis } }, { fields: ['id', 'ci'] });
        const unknown = body.cis.filter((ci) => !people.some((p) => p.ci === ci));
        if (unknown.length > 0) throw notFound(`people ${unknown.slice(0, 20).join(', ')}`);
        await fork.getConnection().execute(
          `insert into terminal_assignment (id, created_at, updated_at, terminal_id, person_id)
           select gen_random_uuid(), now(), now(), ?, p.id from person p where p.ci in (select jsonb_array_elements_text(?::jsonb))
           on conflict (terminal_id, person_id) do nothing`,
          [params.id, JSON.stringify(body.cis)],
        );
        res.json({ assigned: people.length });
      },
    }),

    route({
      method: 'delete',
      path: '/api/terminals/:id/assignments/:ci',
      summary: 'Unassign a person from a terminal',
      params: assignmentParams,
      responses: { 204: answers.empty('unassigned'), 404: error },
      handler: async ({ params }, res) => {
        const removed = await em().nativeDelete(TerminalAssignment, { terminal: params.id, person: { ci: params.ci } });
        if (removed === 0) throw notFound(`assignment of ${params.ci} to terminal ${params.id}`);
        res.status(204).end();
      },
    }),

    route({
      method: 'post',
      path: '/api/terminals/:id/sync',
      summary: "Sync a terminal's people (incremental or full)",
      params: terminalIdParams,
      body: startTerminalSyncBody,
      responses: { 202: json('{ workflowId, runId }'), 404: error, 409: error },
      handler: async ({ params, body }, res) => {
        await load(params.id);
        const input: SyncTerminalInput = {
          terminalId: params.id,
          mode: body.mode,
          prune: body.prune,
          pacingMs: body.pacingMs ?? deps.terminalSync.pacingMs,
          busyPauseMs: deps.terminalSync.busyPauseMs,
        };
        try {
          const h = await startTerminalSync(temporalOf(deps), input);
          res.status(202).json({ workflowId: h.workflowId, runId: h.firstExecutionRunId });
        } catch (e) {
          if (e instanceof WorkflowExecutionAlreadyStartedError)
            throw conflict('a sync of this terminal is already running', { workflowId: e.workflowId });
          throw e;
        }
      },
    }),

    route({
      method: 'get',
      path: '/api/terminals/:id/sync',
      summary: "A terminal sync's progress or result",
      params: terminalIdParams,
      responses: { 200: json('progress or result'), 404: error },
      handler: async ({ params }, res) => {
        const handle = terminalSyncHandle(temporalOf(deps), params.id);
        try {
          const d = await handle.describe();
          if (d.status.name === 'RUNNING') {
            res.json(await terminalSyncProgress(handle));
            return;
          }
          const result: unknown = d.status.name === 'COMPLETED' ? await handle.result() : null;
          res.json(result ?? { state: d.status.name.toLowerCase(), workflowId: d.workflowId, runId: d.runId });
        } catch (e) {
          if (e instanceof WorkflowNotFoundError) throw notFound(`a sync of terminal ${params.id}`);
          throw e;
        }
      },
    }),

    route({
      method: 'get',
      path: '/api/terminals/:id/sync/outcomes',
      summary: 'Each operation of the latest terminal sync',
      params: terminalIdParams,
      query: outcomesQuery,
      responses: { 200: json('per-person operations of the latest run'), 404: error },
      handler: async ({ params, query }, res) => {
        const fork = em();
        const latest = await fork.findOne(
          TerminalSyncOp,
          { terminal: params.id },
          { orderBy: { createdAt: 'desc' }, fields: ['runKey'] },
        );
        if (latest === null) throw notFound(`a sync of terminal ${params.id}`);
        const where = { runKey: latest.runKey, ...(query.status !== undefined ? { status: query.status } : {}) };
        const [rows, total] = await fork.findAndCount(TerminalSyncOp, where, {
          orderBy: { seq: 'asc' },
          limit: query.limit,
          offset: query.offset,
        });
        res.json({
          runKey: latest.runKey,
          total,
          items: rows.map((o) => ({
            seq: o.seq,
            employeeNo: o.employeeNo,
            op: o.op,
            status: o.status,
            detail: o.detail ?? null,
          })),
        });
      },
    }),

    route({
      method: 'post',
      path: '/api/terminals/:id/enrollments',
      summary: "Enrol a person's face on a terminal (capture or upload)",
      params: terminalIdParams,
      body: enrollBody,
      responses: { 202: json('{ workflowId, runId }'), 404: error, 409: error },
      handler: async ({ params, body }, res) => {
        await load(params.id);
        if ((await em().count(Person, { ci: body.ci })) === 0) throw notFound(`person ${body.ci}`);
        res.status(202).json(await startEnrolment(deps, { terminalId: params.id, ...body }));
      },
    }),

    route({
      method: 'get',
      path: '/api/terminals/:id/enrollments/:ci',
      summary: 'An enrolment\'s progress ("present your face") or result',
      params: assignmentParams,
      responses: { 200: json('progress or result'), 404: error },
      handler: async ({ params }, res) => {
        const handle = enrolmentHandle(temporalOf(deps), params.id, params.ci);
        try {
          const d = await handle.describe();
          if (d.status.name === 'RUNNING') res.json(await enrolmentProgress(handle));
          else if (d.status.name === 'COMPLETED') res.json({ stage: 'finished', result: await handle.result() });
          else res.json({ stage: d.status.name.toLowerCase() });
        } catch (e) {
          if (e instanceof WorkflowNotFoundError)
            throw notFound(`an enrolment of ${params.ci} on terminal ${params.id}`);
          throw e;
        }
      },
    }),

    route({
      method: 'delete',
      path: '/api/terminals/:id/enrollments/:ci',
      summary: 'Cancel an enrolment: its captures are withdrawn — never stored, bound or offered to sync-to-device',
      params: assignmentParams,
      responses: { 202: json('{ cancelling }'), 404: error },
      handler: async ({ params }, res) => {
        const handle = enrolmentHandle(temporalOf(deps), params.id, params.ci);
        const missing = () => notFound(`a running enrolment of ${params.ci} on terminal ${params.id}`);
        try {
          const d = await handle.describe();
          if (d.status.name !== 'RUNNING') throw missing();
          // Recorded before Temporal hears of it: the capture activity may see the terminal's answer before it sees
          // the cancellation, and its picture is kept only while the capture still waits. The workflow withdraws the
          // rest (a face it was binding) when the cancellation reaches it.
          await withdrawCaptures(deps.orm.em.fork(), { runId: d.runId });
          await handle.cancel();
        } catch (e) {
          if (e instanceof WorkflowNotFoundError) throw missing();
          throw e;
        }
        res.status(202).json({ cancelling: true });
      },
    }),

    route({
      method: 'get',
      path: '/api/terminal-captures/:id/photo',
      summary: "The JPEG a terminal captured (seed 002's photo_path)",
      params: captureIdParams,
      responses: { 200: answers.binary('the captured JPEG', ['image/jpeg']), 404: error },
      handler: async ({ params }, res) => {
        // A withdrawn capture has no picture any more; a waiting one none yet.
        const c = await em().findOne(
          TerminalCapture,
          { id: params.id, state: { $in: ['captured', 'binding', 'bound'] } },
          { populate: ['data'] as never },
        );
        if (c === null || c.data === null || c.data === undefined) throw notFound(`capture ${params.id}`);
        sendPhoto(res, { data: c.data, format: 'jpeg' });
      },
    }),
  ];
}
