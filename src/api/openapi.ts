import { OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ciParams, createPersonBody, listPersonsQuery, photoReviewBody } from './routes/persons/schemas';
import { registerTerminalPaths } from './routes/terminals/openapi';
import { registerDevicePaths } from './routes/devices/openapi';
import { listSyncsQuery, outcomesQuery, startCareerSyncBody, startCareerSyncParams, workflowIdParams } from './routes/syncs/schemas';

let cached: ReturnType<OpenApiGeneratorV3['generateDocument']> | undefined;

/** The OpenAPI entry of every route, generated from the same zod schemas that validate requests (STYLE §12). */
export function openApiDocument(): ReturnType<OpenApiGeneratorV3['generateDocument']> {
  if (cached !== undefined) return cached;
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  const security = [{ [bearer.name]: [] }];
  const json = (description: string) => ({ description, content: { 'application/json': { schema: z.object({}).passthrough() } } });
  const error = { description: 'error with a reason', content: { 'application/json': { schema: z.object({ error: z.string() }) } } };

  registry.registerPath({ method: 'post', path: '/api/persons', security, request: { body: { content: { 'application/json': { schema: createPersonBody } } } }, responses: { 201: json('the person'), 400: error, 409: error } });
  registry.registerPath({ method: 'get', path: '/api/persons', security, request: { query: listPersonsQuery }, responses: { 200: json('a page of people') } });
  registry.registerPath({ method: 'get', path: '/api/persons/{ci}', security, request: { params: ciParams }, responses: { 200: json('the person'), 404: error } });
  registry.registerPath({
    method: 'put',
    path: '/api/persons/{ci}/photo',
    security,
    request: { params: ciParams, body: { content: { 'image/jpeg': { schema: z.string() }, 'image/png': { schema: z.string() } } } },
    responses: { 200: json('the person with the new photo version'), 400: error, 404: error, 413: error },
  });
  registry.registerPath({ method: 'post', path: '/api/persons/{ci}/sync', security, request: { params: ciParams }, responses: { 200: json('the classified outcome'), 404: error, 504: error } });
  registry.registerPath({
    method: 'post',
    path: '/api/syncs/careers/{career}',
    security,
    request: { params: startCareerSyncParams, body: { content: { 'application/json': { schema: startCareerSyncBody } } } },
    responses: { 202: json('{ workflowId, runId }'), 404: error, 409: error },
  });
  registry.registerPath({ method: 'get', path: '/api/syncs', security, request: { query: listSyncsQuery }, responses: { 200: json('sync runs') } });
  registry.registerPath({ method: 'get', path: '/api/syncs/{workflowId}', security, request: { params: workflowIdParams }, responses: { 200: json('progress'), 404: error } });
  for (const s of ['pause', 'resume', 'cancel', 'retry-failed'] as const) {
    registry.registerPath({ method: 'post', path: `/api/syncs/{workflowId}/${s}`, security, request: { params: workflowIdParams }, responses: { 202: json('accepted'), 404: error, 409: error } });
  }
  registry.registerPath({ method: 'get', path: '/api/syncs/{workflowId}/outcomes', security, request: { params: workflowIdParams, query: outcomesQuery }, responses: { 200: json('per-person outcomes') } });
  registry.registerPath({ method: 'get', path: '/api/persons/{ci}/photo', security, request: { params: ciParams }, responses: { 200: { description: 'the stored photo' }, 404: error } });
  registry.registerPath({ method: 'get', path: '/api/persons/{ci}/photo/checks', security, request: { params: ciParams }, responses: { 200: json('each rule with its reason'), 404: error } });
  registry.registerPath({
    method: 'post',
    path: '/api/persons/{ci}/photo/review',
    security,
    request: { params: ciParams, body: { content: { 'application/json': { schema: photoReviewBody } } } },
    responses: { 200: json('the checks, the duplicate approved'), 400: error, 404: error, 409: error },
  });
  registry.registerPath({ method: 'get', path: '/api/persons/{ci}/compare', security, request: { params: ciParams }, responses: { 200: json('{ identical, similarityPercent, distance } or { error }'), 404: error } });
  registry.registerPath({
    method: 'post',
    path: '/api/photo-imports',
    security,
    request: { body: { content: { 'application/json': { schema: z.object({ folder: z.string() }) } } } },
    responses: { 202: json('{ id, workflowId, runId }'), 400: error },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/photo-imports/zip',
    security,
    request: { body: { content: { 'application/zip': { schema: z.string() } } } },
    responses: { 202: json('{ id, workflowId, runId }'), 400: json('not a zip, a corrupt zip, or an entry outside its folder or a link: { error, problem }'), 413: error },
  });
  registry.registerPath({ method: 'get', path: '/api/photo-imports/{id}', security, request: { params: z.object({ id: z.string().uuid() }) }, responses: { 200: json('progress and counts; state running, completed, failed or cancelled, with the reason of a failed import'), 404: error } });
  registry.registerPath({
    method: 'get',
    path: '/api/photo-imports/{id}/report.csv',
    security,
    request: { params: z.object({ id: z.string().uuid() }) },
    responses: { 200: { description: 'the files not imported, and why', content: { 'text/csv': { schema: z.string() } } }, 404: error },
  });
  registry.registerPath({ method: 'get', path: '/biometrico/compare-hikdoc-est/{ci}', security, request: { params: ciParams }, responses: { 200: json('{ identicas, similitud } — seed 000') } });
  registry.registerPath({ method: 'get', path: '/biometrico/fotografia/{ci}', security, request: { params: ciParams }, responses: { 200: { description: 'the records photo — seed 000' }, 404: error } });
  registry.registerPath({ method: 'get', path: '/biometrico/gethick/{ci}', security, request: { params: ciParams }, responses: { 200: { description: 'the photo HikCentral holds — seed 000' }, 404: error } });
  registry.registerPath({ method: 'get', path: '/api/health', security, responses: { 200: json('healthy'), 503: json('degraded') } });
  registry.registerPath({ method: 'post', path: '/biometrico/sync-hikdoc/{ci}', security, request: { params: ciParams }, responses: { 200: json('{ code, msg, data } — seed 000') } });
  registry.registerPath({ method: 'get', path: '/biometrico/get-pending-sync-est', security, request: { query: z.object({ carrera_name: z.string() }) }, responses: { 200: json('{ pendientes } — seed 000') } });
  registry.registerPath({ method: 'get', path: '/biometrico/getperson-est/{ci}', security, request: { params: ciParams }, responses: { 200: json('{ registrado } — seed 000') } });

  registerTerminalPaths(registry, { security, json, error });
  registerDevicePaths(registry, { security, json, error });

  cached = new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: { title: 'gatesync', version: '0.1.0', description: 'People and face photos onto door hardware.' },
  });
  return cached;
}
