import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Logger } from 'pino';
import { HttpError } from './http-errors';
import { driverErrorFacts } from '../logging/driver-errors';
import { driverErrorAnswer } from './driver-error-answer';

/** One place that maps every failure to a JSON body with a reason (STYLE §12). */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (err instanceof ZodError) {
      res.status(400).json({
        error: 'invalid request',
        issues: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message, code: i.code })),
      });
      return;
    }
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: err.message, ...err.details });
      return;
    }
    // body-parser errors carry a status and a type.
    const e = err as { status?: number; type?: string; message?: string };
    if (e.type === 'entity.too.large') {
      res.status(413).json({ error: 'request body too large' });
      return;
    }
    if (e.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'malformed JSON body' });
      return;
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ error: e.message ?? 'bad request' });
      return;
    }
    if (err instanceof WorkflowNotFoundError) {
      res.status(404).json({ error: 'workflow not found' });
      return;
    }
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      res.status(409).json({ error: 'already running', workflowId: err.workflowId });
      return;
    }
    const facts = driverErrorFacts(err);
    const answer = facts === null ? null : driverErrorAnswer(facts);
    if (answer !== null) {
      // The caller's, but a route let it reach the database: worth a line (the serializer keeps values out).
      logger.warn({ err }, `database refused the request: answered ${answer.status}`);
      res.status(answer.status).json(answer.body);
      return;
    }
    logger.error({ err }, 'unhandled API error');
    res.status(500).json({ error: 'internal error' });
  };
}

export const notFoundRoute: RequestHandler = (req, res) => {
  res.status(404).json({ error: `no route ${req.method} ${req.path}` });
};
