import express, { type Express } from 'express';
import pinoHttp from 'pino-http';
import type { ApiDeps } from './deps';
import { requireBearer } from './auth';
import { errorHandler, notFoundRoute } from './error-handler';
import { apiRoutes } from './api-routes';
import { mountRoutes } from './route-registry';
import { LOG_SERIALIZERS } from '../logger';
import { pathOnly } from '../logging/http-serializers';

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
  const router = express.Router();
  mountRoutes(router, apiRoutes(deps));
  app.use(router);
  app.use(notFoundRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
