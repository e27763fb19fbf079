import type { ApiDeps } from '../../deps';
import { answers, route, type ApiRoute } from '../../route-registry';
import {
  assignPeople,
  clearCapacityAlert,
  findDeviceView,
  listChecks,
  listDeviceViews,
  listPresence,
  patchDevice,
  resyncView,
  unassignPerson,
  knownCis,
} from '../../../db/repositories/devices/device-views';
import { badRequest, conflict, HttpError, notFound } from '../../http-errors';
import { DEFAULT_MODEL_PARAMS, type ModelParams } from '../../../targets/devices/protocol/model-params';
import type { DeviceConfigParam } from '../../../db/entities';
import {
  deleteDevice,
  DuplicateDeviceError,
  registerDevice,
  rotateDeviceSecret,
} from '../../../db/repositories/devices/device-registry';
import type { Db } from '../../../db/repositories/devices/device-people';
import {
  deviceFullResyncStatus,
  deviceResyncProgress,
  deviceSyncProgress,
  requestDeviceFullResync,
  terminateDeviceWorkflows,
  wakeDeviceSync,
  type DeviceTemporalContext,
} from '../../../temporal-client/devices';
import { temporalOf } from '../../temporal-of';
import { alertHistory } from '../../../db/repositories/devices/device-alerts';
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
  type ModelBody,
  type PropertiesBody,
} from './schemas';
import { deviceView, withLiveCursor, type DeviceRowView } from './views';
import { runDeviceCommand } from './commands';

const { json, error } = answers;

/** §15 names → ModelParams. */
function modelOf(m: ModelBody, base: ModelParams = DEFAULT_MODEL_PARAMS): ModelParams {
  const out: ModelParams = { ...base };
  if (m.check_type !== undefined) out.checkType = m.check_type;
  if (m.fa_alg !== undefined) out.faAlg = m.fa_alg;
  if (m.fa_capacity !== undefined) out.faCapacity = m.fa_capacity;
  if (m.fa_max !== undefined) out.faMax = m.fa_max;
  if (m.fp_alg !== undefined) out.fpAlg = m.fp_alg;
  if (m.fp_capacity !== undefined) out.fpCapacity = m.fp_capacity;
  if (m.fp_max !== undefined) out.fpMax = m.fp_max;
  if (m.user_capacity !== undefined) out.userCapacity = m.user_capacity;
  if (m.user_sync_size !== undefined) out.userSyncSize = m.user_sync_size;
  if (m.fa_app_input !== undefined) out.faAppInput = m.fa_app_input;
  return out;
}

/** `faceScore_config` → `faceScore`: the setting name that property_update sends (§14). */
function configOf(c: Record<string, DeviceConfigParam>): Record<string, DeviceConfigParam> {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k.slice(0, -'_config'.length), v]));
}

/**
 * §14 values checked against the model's `*_config` definitions; a parameter the model lacks is unsupported.
 * The definitions are looked up as a Map of their own entries, so `constructor` or `__proto__` is a parameter
 * like any other — one this model does not have — never something inherited from Object.prototype.
 */
function checkProperties(config: Record<string, DeviceConfigParam>, props: PropertiesBody['properties']): string[] {
  const problems: string[] = [];
  const defs = new Map(Object.entries(config));
  for (const p of props) {
    const def = defs.get(p.property);
    if (def === undefined) {
      problems.push(`${p.property}: not supported by this device model (no ${p.property}_config)`);
      continue;
    }
    if ('options' in def) {
      if (!def.options.some((o) => o.value === p.value))
        problems.push(`${p.property}: must be one of ${def.options.map((o) => o.value).join(', ')}`);
    } else if (def.type === 'int') {
      const n = Number(p.value);
      if (!/^-?\d+$/.test(p.value)) problems.push(`${p.property}: must be an integer`);
      else if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max))
        problems.push(`${p.property}: must be within ${def.min ?? '-∞'}…${def.max ?? '∞'}`);
    } else if (
      (def.min !== undefined && p.value.length < def.min) ||
      (def.max !== undefined && p.value.length > def.max)
    ) {
      problems.push(`${p.property}: length must be within ${def.min ?? 0}…${def.max ?? '∞'}`);
    }
  }
  if (new Set(props.map((p) => p.property)).size !== props.length) problems.push('a property is listed twice');
  return problems;
}

/** Cloud access-control devices: registry, assignments, configuration, sync and checks. */
export function devicesRoutes(deps: ApiDeps): ApiRoute[] {
  const db = (): Db => deps.orm.em.getKnex();
  const temporal = (): DeviceTemporalContext => ({ ...temporalOf(deps), deviceSync: deps.devices?.syncDefaults ?? {} });
  const load = async (id: string): Promise<DeviceRowView> => {
    const row = await findDeviceView(db(), id);
    if (row === undefined) throw notFound(`device ${id}`);
    return row;
  };
  const wake = (id: string) =>
    wakeDeviceSync(temporal(), id).catch((err: unknown) =>
      deps.logger.warn({ err, device: id }, 'could not wake the device sync'),
    );
  const requireOnline = (d: DeviceRowView) => {
    if (!d.online) throw conflict(`device ${d.id} is offline`, { lastSeenAt: d.last_seen_at });
  };
  const refused = (result: { code: number | null; msg: string | null }) =>
    new HttpError(502, `the device refused: ${result.msg ?? `code ${result.code}`}`, { code: result.code });

  return [
    route({
      method: 'post',
      path: '/api/devices',
      summary: 'Register a cloud door (its secret is shown once)',
      body: createDeviceBody,
      responses: { 201: json('the device, with its secret this once'), 409: error },
      handler: async ({ body }, res) => {
        let created;
        try {
          created = await registerDevice(db(), {
            id: body.id,
            name: body.name,
            model: modelOf(body.model),
            configParams: configOf(body.config as Record<string, DeviceConfigParam>),
            careers: body.careers,
          });
        } catch (e) {
          if (e instanceof DuplicateDeviceError) throw conflict(e.message);
          throw e;
        }
        deps.logger.info({ device: body.id, queued: created.queued }, 'device registered');
        await wake(body.id);
        // The secret is shown here once; only its scrypt hash is stored.
        res.status(201).json({ ...deviceView(await load(body.id)), secret: created.secret });
      },
    }),

    route({
      method: 'get',
      path: '/api/devices',
      summary: 'Every cloud door',
      responses: { 200: json('{ items }') },
      handler: async (_input, res) => {
        res.json({
          items: (await listDeviceViews(db())).map(deviceView),
        });
      },
    }),

    route({
      method: 'get',
      path: '/api/devices/:id',
      summary: 'A cloud door',
      params: deviceIdParams,
      responses: { 200: json('the device'), 404: error },
      handler: async ({ params }, res) => {
        res.json(deviceView(await load(params.id)));
      },
    }),

    route({
      method: 'patch',
      path: '/api/devices/:id',
      summary: "Change a door's name, model traits, configurable parameters or careers",
      params: deviceIdParams,
      body: patchDeviceBody,
      responses: { 200: json('the device'), 404: error },
      handler: async ({ params, body }, res) => {
        const current = await load(params.id);
        await patchDevice(db(), params.id, {
          name: body.name,
          model: body.model === undefined ? undefined : modelOf(body.model, current.model as unknown as ModelParams),
          configParams:
            body.config === undefined ? undefined : configOf(body.config as Record<string, DeviceConfigParam>),
          careers: body.careers,
        });
        if (body.careers !== undefined) await wake(params.id);
        res.json(deviceView(await load(params.id)));
      },
    }),

    route({
      method: 'delete',
      path: '/api/devices/:id',
      summary: 'Remove a cloud door in whatever state, stop its workflows and drop its live MQTT session',
      params: deviceIdParams,
      responses: {
        204: answers.empty('deleted; its live MQTT session is dropped; its access events and snapshots stay'),
        404: error,
      },
      // Works in every state (assignments, queue, resync, online): how an admin revokes a lost door.
      handler: async ({ params }, res) => {
        if (!(await deleteDevice(db(), params.id))) throw notFound(`device ${params.id}`);
        deps.logger.info({ device: params.id }, 'device deleted');
        // The device is gone either way: a workflow this misses stops by itself when it finds no device.
        await terminateDeviceWorkflows(temporal(), params.id, 'device deleted').catch((err: unknown) =>
          deps.logger.warn({ err, device: params.id }, 'could not terminate the device workflows'),
        );
        res.status(204).end();
      },
    }),

    route({
      method: 'post',
      path: '/api/devices/:id/rotate-secret',
      summary: 'A new secret for a door, shown once; sessions that logged in with the old one are dropped',
      params: deviceIdParams,
      responses: { 200: json('{ id, secret }: the new secret, shown this once'), 404: error },
      handler: async ({ params }, res) => {
        const secret = await rotateDeviceSecret(db(), params.id);
        if (secret === undefined) throw notFound(`device ${params.id}`);
        deps.logger.info({ device: params.id }, 'device secret rotated');
        res.json({ id: params.id, secret });
      },
    }),

    route({
      method: 'get',
      path: '/api/devices/:id/alerts',
      summary: "A door's alerts (busy, capacity full, sync errors) with when each was raised and cleared, newest first",
      params: deviceIdParams,
      query: alertsQuery,
      responses: { 200: json('{ items, next }'), 404: error },
      handler: async ({ params, query }, res) => {
        await load(params.id);
        res.json(await alertHistory(db(), params.id, query));
      },
    }),

    route({
      method: 'post',
      path: '/api/devices/:id/assignments',
      summary: 'Assign people to a door besides its careers',
      params: deviceIdParams,
      body: assignmentsBody,
      responses: { 200: json('{ assigned }'), 404: error },
      handler: async ({ params, body }, res) => {
        await load(params.id);
        const known = await knownCis(db(), body.cis);
        const unknown = body.cis.filter((ci) => !known.includes(ci));
        if (unknown.length > 0) throw notFound(`people ${unknown.slice(0, 20).join(', ')}`);
        await assignPeople(db(), params.id, body.cis);
        await wake(params.id);
        res.json({ assigned: known.length });
      },
    }),

    route({
      method: 'delete',
      path: '/api/devices/:id/assignments/:ci',
      summary: 'Unassign a person from a door',
      params: assignmentParams,
      responses: { 204: answers.empty('unassigned'), 404: error },
      handler: async ({ params }, res) => {
        if (!(await unassignPerson(db(), params.id, params.ci)))
          throw notFound(`assignment of ${params.ci} to device ${params.id}`);
        await wake(params.id);
        res.status(204).end();
      },
    }),

    route({
      method: 'put',
      path: '/api/devices/:id/properties',
      summary: "§14 property_update, checked against the model's *_config; stored when the door answers 0",
      params: deviceIdParams,
      body: propertiesBody,
      responses: { 200: json('the device and the door’s answer'), 404: error, 409: error, 502: error, 504: error },
      handler: async ({ params, body }, res) => {
        const d = await load(params.id);
        const problems = checkProperties(d.config_params as Record<string, DeviceConfigParam>, body.properties);
        if (problems.length > 0) throw badRequest('invalid properties', { problems });
        requireOnline(d);
        const result = await runDeviceCommand(deps, {
          deviceId: params.id,
          kind: 'properties',
          properties: body.properties,
        });
        if (result.code !== 0) throw refused(result);
        res.json({ ...deviceView(await load(params.id)), result });
      },
    }),

    route({
      method: 'put',
      path: '/api/devices/:id/opening-hours',
      summary: '§10 the full access_time_config',
      params: deviceIdParams,
      body: openingHoursBody,
      responses: { 200: json('the device and the door’s answer'), 404: error, 409: error, 502: error, 504: error },
      handler: async ({ params, body }, res) => {
        requireOnline(await load(params.id));
        const result = await runDeviceCommand(deps, { deviceId: params.id, kind: 'openingHours', times: body.times });
        if (result.code !== 0) throw refused(result);
        res.json({ ...deviceView(await load(params.id)), result });
      },
    }),

    route({
      method: 'post',
      path: '/api/devices/:id/checkin-upload',
      summary: '§8 ask the door to upload its access records of the last days again',
      params: deviceIdParams,
      body: checkinUploadBody,
      responses: { 202: json('{ requested, days, result }'), 404: error, 409: error, 502: error },
      handler: async ({ params, body }, res) => {
        requireOnline(await load(params.id));
        const result = await runDeviceCommand(deps, { deviceId: params.id, kind: 'checkinUpload', days: body.days });
        res.status(202).json({ requested: true, days: body.days, result });
      },
    }),

    route({
      method: 'post',
      path: '/api/devices/:id/resync',
      summary: 'Start a full resync of a door',
      params: deviceIdParams,
      responses: { 202: json('{ workflowId, syncWorkflowId }'), 404: error, 409: error },
      handler: async ({ params }, res) => {
        await load(params.id);
        const resync = await deviceFullResyncStatus(temporal(), params.id);
        if (resync.running)
          throw conflict('a full resync of this device is already running', { workflowId: resync.workflowId });
        const { workflowId, syncWorkflowId } = await requestDeviceFullResync(temporal(), params.id, 'manual');
        res.status(202).json({ workflowId, syncWorkflowId });
      },
    }),

    route({
      method: 'get',
      path: '/api/devices/:id/sync',
      summary: "A door's queue, held people, alerts and sync progress",
      params: deviceIdParams,
      responses: { 200: json('{ deviceId, online, queued, held, alerts, incremental, resync }'), 404: error },
      handler: async ({ params }, res) => {
        const d = await load(params.id);
        const resyncRow = await resyncView(db(), params.id);
        res.json({
          deviceId: params.id,
          online: d.online,
          queued: d.queued ?? 0,
          held: d.held ?? 0,
          alerts: deviceView(d).alerts,
          incremental: await deviceSyncProgress(temporal(), params.id),
          resync:
            withLiveCursor(await deviceResyncProgress(temporal(), params.id), resyncRow) ??
            resyncRow ??
            null,
        });
      },
    }),

    route({
      method: 'delete',
      path: '/api/devices/:id/capacity-alert',
      summary: 'Clear the capacity alert (§1 code 1) and queue the dropped inserts again',
      params: deviceIdParams,
      responses: { 200: json('{ queued }'), 404: error },
      handler: async ({ params }, res) => {
        await load(params.id);
        const queued = await clearCapacityAlert(db(), params.id);
        await wake(params.id);
        res.json({ queued });
      },
    }),

    route({
      method: 'get',
      path: '/api/devices/:id/checks',
      summary: "A door's consistency checks (user_sync_check), newest first",
      params: deviceIdParams,
      query: checksQuery,
      responses: { 200: json('{ items }'), 404: error },
      handler: async ({ params, query }, res) => {
        await load(params.id);
        const items = await listChecks(db(), params.id, query.limit);
        res.json({ items });
      },
    }),

    route({
      method: 'get',
      path: '/api/devices/:id/presence',
      summary: "A door's connections and disconnections, newest first",
      params: deviceIdParams,
      query: checksQuery,
      responses: { 200: json('{ items }'), 404: error },
      handler: async ({ params, query }, res) => {
        await load(params.id);
        res.json({
          items: await listPresence(db(), params.id, query.limit),
        });
      },
    }),
  ];
}
