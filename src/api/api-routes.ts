import type { ApiDeps } from './deps';
import { answers, route, type ApiRoute } from './route-registry';
import { openApiDocument, type OpenApiDocument } from './openapi';
import { healthRoutes } from './routes/health/router';
import { personsRoutes } from './routes/persons/router';
import { syncsRoutes } from './routes/syncs/router';
import { photoImportsRoutes } from './routes/photo-imports/router';
import { biometricoRoutes } from './routes/biometrico/router';
import { terminalsRoutes } from './routes/terminals/router';
import { seedTerminalRoutes } from './routes/seed-terminals/router';
import { devicesRoutes } from './routes/devices/router';
import { eventsRoutes } from './routes/events/router';

/**
 * The route table: every route of the API, each declared once with its schemas. `createApp` mounts exactly these,
 * in this order, and `/api/openapi.json` describes exactly these. A new route goes into its feature's list.
 */
export function apiRoutes(deps: ApiDeps): ApiRoute[] {
  const routes: ApiRoute[] = [
    ...healthRoutes(deps),
    ...personsRoutes(deps),
    ...syncsRoutes(deps),
    ...photoImportsRoutes(deps),
    ...biometricoRoutes(deps),
    ...terminalsRoutes(deps),
    ...devicesRoutes(deps),
    // Seed 002's routes, kept as its web UI calls them (one of them under /api/devices).
    ...seedTerminalRoutes(deps),
    ...eventsRoutes(deps),
  ];
  let document: OpenApiDocument | undefined;
  routes.push(
    route({
      method: 'get',
      path: '/api/openapi.json',
      summary: 'This document',
      responses: { 200: answers.json('the OpenAPI 3.0 document of every route') },
      handler: (_input, res) => {
        document ??= openApiDocument(routes);
        res.json(document);
      },
    }),
  );
  return routes;
}
