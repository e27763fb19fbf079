import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { pathRegistrar, type OpenApiHelpers } from '../../openapi-paths';
import {
  alertsQuery,
  assignmentParams,
  assignmentsBody,
  checkinUploadBody,
  checksQuery,
  createDeviceBody,
  deviceIdParams,
  openingHoursBody,
  patchDeviceBody,
  propertiesBody,
} from './schemas';

/** OpenAPI entries of the cloud device routes (seed 003). */
export function registerDevicePaths(registry: OpenAPIRegistry, h: OpenApiHelpers): void {
  const { json, error } = h;
  const { body, path } = pathRegistrar(registry, h);
  const params = { params: deviceIdParams };

  path(
    'post',
    '/api/devices',
    { body: body(createDeviceBody) },
    { 201: json('the device and its secret, shown this once'), 400: error, 409: error },
  );
  path('get', '/api/devices', {}, { 200: json('{ items }') });
  path('get', '/api/devices/{id}', params, { 200: json('the device, without its secret'), 404: error });
  path(
    'patch',
    '/api/devices/{id}',
    { ...params, body: body(patchDeviceBody) },
    { 200: json('the device'), 400: error, 404: error },
  );
  path('delete', '/api/devices/{id}', params, {
    204: { description: 'deleted in whatever state; its live MQTT session is dropped; its events and snapshots stay' },
    404: error,
  });
  path('post', '/api/devices/{id}/rotate-secret', params, {
    200: json('{ id, secret }: the new secret, shown this once; sessions with the old one are dropped'),
    404: error,
  });
  path(
    'post',
    '/api/devices/{id}/assignments',
    { ...params, body: body(assignmentsBody) },
    { 200: json('{ assigned }'), 400: error, 404: error },
  );
  path(
    'delete',
    '/api/devices/{id}/assignments/{ci}',
    { params: assignmentParams },
    { 204: { description: 'unassigned' }, 404: error },
  );
  path(
    'put',
    '/api/devices/{id}/properties',
    { ...params, body: body(propertiesBody) },
    { 200: json('the device and its answer'), 400: error, 409: error, 502: error },
  );
  path(
    'put',
    '/api/devices/{id}/opening-hours',
    { ...params, body: body(openingHoursBody) },
    { 200: json('the device and its answer'), 400: error, 409: error, 502: error },
  );
  path(
    'post',
    '/api/devices/{id}/checkin-upload',
    { ...params, body: body(checkinUploadBody) },
    { 202: json('{ requested, days }'), 400: error, 409: error },
  );
  path('post', '/api/devices/{id}/resync', params, {
    202: json('{ workflowId, syncWorkflowId }'),
    404: error,
    409: error,
  });
  path('get', '/api/devices/{id}/sync', params, {
    200: json('queue, held, alerts, incremental and resync progress'),
    404: error,
  });
  path(
    'get',
    '/api/devices/{id}/alerts',
    { ...params, query: alertsQuery },
    {
      200: json(
        '{ items: [{ id, kind, raisedAt, lastRaisedAt, times, detail, clearedAt, clearedBy }], next }, newest first',
      ),
      400: error,
      404: error,
    },
  );
  path('delete', '/api/devices/{id}/capacity-alert', params, { 200: json('{ queued }'), 404: error });
  path(
    'get',
    '/api/devices/{id}/checks',
    { ...params, query: checksQuery },
    { 200: json('{ items }: user_sync_check outcomes'), 404: error },
  );
  path(
    'get',
    '/api/devices/{id}/presence',
    { ...params, query: checksQuery },
    { 200: json('{ items }: online/offline with reasons'), 404: error },
  );
}
