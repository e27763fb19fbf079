import express, { type Express } from 'express';
import pinoHttp from 'pino-http';
import type { ApiDeps } from './deps';
import { requireBearer } from './auth';
import { errorHandler, notFoundRoute } from './error-handler';
import { LOG_SERIALIZERS } from '../logger';
import { pathOnly } from '../logging/http-serializers';
import { personsRouter } from './routes/persons/router';
import { syncsRouter } from './routes/syncs/router';
import { biometricoRouter } from './routes/biometrico/router';
import { healthRouter } from './routes/health/router';
import { photoImportsRouter } from './routes/photo-imports/router';
import { openApiDocument } from './openapi';
import { terminalCapturesRouter, terminalsRouter } from './routes/terminals/router';
import { seedDevicesRouter, seedUsersRouter } from './routes/seed-terminals/router';
import { devicesRouter } from './routes/devices/router';
import { eventsRouter } from './routes/events/router';

/** The HTTP API: starts, signals and queries workflows; reads and writes people. `listen()` is the caller's. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // gatesync's serializers, not pino-http's defaults (which log the query string and every header).
  app.use(
    pinoHttp({
      logger: deps.logger,
      serializers: LOG_SERIALIZERS,
      wrapSerializers: false,
      autoLogging: { ignore: (req) => pathOnly(req.url ?? '') === '/api/health' },
    }),
  );
  app.use(requireBearer(deps.token));
  app.use(express.json({ limit: deps.bodyLimit, type: ['application/json', 'application/*+json'] }));
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.use('/api/health', healthRouter(deps));
  app.use('/api/persons', personsRouter(deps));
  app.use('/api/syncs', syncsRouter(deps));
  app.use('/api/photo-imports', photoImportsRouter(deps));
  app.use('/biometrico', biometricoRouter(deps));
  app.use('/api/terminals', terminalsRouter(deps));
  app.use('/api/terminal-captures', terminalCapturesRouter(deps));
  // Seed 002's routes, kept as its web UI calls them.
  app.use('/api/users', seedUsersRouter(deps));
  // Cloud devices (issue 5) first: what they do not match (POST /:uuid/start-face-capture) falls through to seed 002's.
  app.use('/api/devices', devicesRouter(deps));
  app.use('/api/devices', seedDevicesRouter(deps));
  app.use('/api/events', eventsRouter(deps));
  app.use(notFoundRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
