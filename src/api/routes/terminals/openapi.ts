import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { pathRegistrar, type OpenApiHelpers } from '../../openapi-paths';
import { assignmentParams, assignmentsBody, captureIdParams, createTerminalBody, enrollBody, outcomesQuery, patchTerminalBody, startTerminalSyncBody, terminalIdParams } from './schemas';
import { createUserBody, deviceIdParams, startCaptureBody, syncToDeviceBody, userIdParams } from '../seed-terminals/schemas';

/** OpenAPI entries of the terminal routes and seed 002's routes. */
export function registerTerminalPaths(
  registry: OpenAPIRegistry,
  h: OpenApiHelpers,
): void {
  const { json, error } = h;
  const { body, path } = pathRegistrar(registry, h);

  path('post', '/api/terminals', { body: body(createTerminalBody) }, { 201: json('the terminal, without its password'), 400: error, 409: error });
  path('get', '/api/terminals', {}, { 200: json('{ items }') });
  path('get', '/api/terminals/{id}', { params: terminalIdParams }, { 200: json('the terminal'), 404: error });
  path('patch', '/api/terminals/{id}', { params: terminalIdParams, body: body(patchTerminalBody) }, { 200: json('the terminal'), 400: error, 404: error });
  path('delete', '/api/terminals/{id}', { params: terminalIdParams }, { 204: { description: 'removed' }, 404: error });
  path('post', '/api/terminals/{id}/probe', { params: terminalIdParams }, { 200: json('the terminal with its capabilities'), 502: error, 504: error });
  path('post', '/api/terminals/{id}/assignments', { params: terminalIdParams, body: body(assignmentsBody) }, { 200: json('{ assigned }'), 404: error });
  path('delete', '/api/terminals/{id}/assignments/{ci}', { params: assignmentParams }, { 204: { description: 'unassigned' }, 404: error });
  path(
    'post',
    '/api/terminals/{id}/sync',
    { params: terminalIdParams, body: body(startTerminalSyncBody) },
    { 202: json('{ workflowId, runId }; full mode with prune "managed" (default) reports users gatesync does not manage as drift, "all" deletes them'), 400: error, 409: error },
  );
  path('get', '/api/terminals/{id}/sync', { params: terminalIdParams }, { 200: json('progress or result'), 404: error });
  path('get', '/api/terminals/{id}/sync/outcomes', { params: terminalIdParams, query: outcomesQuery }, { 200: json('per-person operations of the latest run'), 404: error });
  path('post', '/api/terminals/{id}/enrollments', { params: terminalIdParams, body: body(enrollBody) }, { 202: json('{ workflowId, runId }'), 404: error, 409: error });
  path('get', '/api/terminals/{id}/enrollments/{ci}', { params: assignmentParams }, { 200: json('progress ("present your face") or result'), 404: error });
  path(
    'delete',
    '/api/terminals/{id}/enrollments/{ci}',
    { params: assignmentParams },
    { 202: json('cancelling: its captures are withdrawn — never stored, bound or offered to sync-to-device'), 404: error },
  );
  path('get', '/api/terminal-captures/{id}/photo', { params: captureIdParams }, { 200: { description: 'the captured JPEG' }, 404: error });
  path('post', '/api/users', { body: body(createUserBody) }, { 201: json('seed 002 user'), 400: error, 409: error });
  path('get', '/api/users/{user_id}', { params: userIdParams }, { 200: json('seed 002 user'), 404: error });
  path('post', '/api/users/{user_id}/sync-to-device', { params: userIdParams, body: body(syncToDeviceBody.unwrap()) }, { 200: json('seed 002 outcome'), 400: error, 404: error });
  path('post', '/api/devices/{device_id}/start-face-capture', { params: deviceIdParams, body: body(startCaptureBody.unwrap()) }, { 200: json('{ success, photo_path, message, face_data_url } — seed 002'), 404: error, 409: error });
}
