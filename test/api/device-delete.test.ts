import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../src/targets/devices/simulator/simulator';
import {
  deviceCommandWorkflowId,
  deviceFullResyncWorkflowId,
  deviceSyncWorkflowId,
  type DeviceCommandInput,
} from '../../src/contracts';
import { startApi, type TestApi } from '../helpers/api';
import {
  eventually,
  newCareer,
  startDeviceStack,
  TEST_SYNC_DEFAULTS,
  type DeviceStack,
} from '../gateway/device-harness';

/**
 * DELETE /api/devices/:id is how an admin revokes a lost door, so it must work whatever the door is doing. Before
 * Migration20261202060000b, deleting a door with assignments cascaded into the assignment trigger, which queued an
 * op for the door being deleted: 500 (device_sync_op_device_id_foreign) and the door stayed.
 *
 * What stays after a delete: the door's audit trail (access_event, device_capture). Nothing else may name it.
 */

let k: DeviceStack;
let api: TestApi;
const logLines: string[] = [];

beforeAll(async () => {
  k = await startDeviceStack();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  api = await startApi(k.s, k.taskQueue, {
    devices: { syncDefaults: TEST_SYNC_DEFAULTS, commandTimeoutMs: 15_000 },
    logger: pino({ level: 'info' }, sink),
  });
});
afterAll(async () => {
  await api?.close();
  await k?.close();
});

const AUDIT_TABLES = ['access_event', 'device_capture'];
const newId = () => `door-${randomUUID().slice(0, 8)}`;

/** Every table with a `device_id` column, and how many of its rows name this device. */
async function rowsNaming(id: string): Promise<Record<string, number>> {
  const tables = await k.sql<{ table_name: string }>(
    `select table_name from information_schema.columns where table_schema = 'public' and column_name = 'device_id' order by table_name`,
  );
  expect(tables.map((t) => t.table_name)).toEqual(
    expect.arrayContaining(['device_assignment', 'device_sync_op', 'device_user', ...AUDIT_TABLES]),
  );
  const found: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [r] = await k.sql<{ n: number }>(`select count(*)::int as n from "${table_name}" where device_id = ?`, [id]);
    if ((r?.n ?? 0) > 0) found[table_name] = r?.n ?? 0;
  }
  const [d] = await k.sql<{ n: number }>('select count(*)::int as n from device where id = ?', [id]);
  if ((d?.n ?? 0) > 0) found.device = d?.n ?? 0;
  return found;
}

async function running(workflowId: string): Promise<boolean> {
  try {
    return (await k.s.temporal.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return false;
    throw e;
  }
}

async function register(body: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
  const id = newId();
  const created = await api.request('POST', '/api/devices', { body: { id, name: id, ...body } });
  expect(created.status).toBe(201);
  return { id, secret: created.json.secret as string };
}

async function online(
  body: Record<string, unknown> = {},
  sim: Parameters<DeviceStack['startDevice']>[2] = {},
): Promise<{ id: string; d: SimulatedDevice }> {
  const { id, secret } = await register(body);
  const d = await k.startDevice(id, secret, sim);
  await eventually(async () => (await api.request('GET', `/api/devices/${id}`)).json.online === true, `${id} online`);
  return { id, d };
}

async function ciOf(userId: number): Promise<string> {
  const [p] = await k.sql<{ ci: string }>('select ci from person where user_id = ?', [userId]);
  return p!.ci;
}

/** Deletes and expects 204, nothing left but the audit trail, and no workflow of the door still running. */
async function deleteAndCheck(id: string): Promise<Record<string, number>> {
  const res = await api.request('DELETE', `/api/devices/${id}`);
  expect(res.status, JSON.stringify(res.json)).toBe(204);
  const left = await rowsNaming(id);
  expect(Object.keys(left).filter((t) => !AUDIT_TABLES.includes(t))).toEqual([]);
  // A wake-up already on its way may start the entity workflow once more; that run finds no device and ends.
  await eventually(
    async () => !(await running(deviceSyncWorkflowId(id))) && !(await running(deviceFullResyncWorkflowId(id))),
    'no workflow of the door running',
  );
  expect((await api.request('GET', `/api/devices/${id}`)).status).toBe(404);
  expect((await api.request('DELETE', `/api/devices/${id}`)).status).toBe(404);
  return left;
}

describe('DELETE /api/devices/:id works in every state', () => {
  it('given explicit assignments (the assignment trigger fires in the cascade), should answer 204 and leave nothing', async () => {
    const c = newCareer();
    const [p, q] = await k.addPeople(c, 2);
    const { id } = await register();
    expect(
      (await api.request('POST', `/api/devices/${id}/assignments`, { body: { cis: [await ciOf(p!), await ciOf(q!)] } }))
        .status,
    ).toBe(200);
    expect((await rowsNaming(id)).device_assignment).toBe(2);
    await deleteAndCheck(id);
    // The people stay, and a person change afterwards queues nothing for the deleted door.
    await k.sql(`update person set given_name = 'Renamed' where user_id = any(?::int[])`, [[p, q]]);
    expect(await rowsNaming(id)).toEqual({});
  });

  it('given ops queued for a door that never connected, should answer 204 and drop its queue', async () => {
    const c = newCareer();
    await k.addPeople(c, 5);
    const { id } = await register({ careers: [c] });
    expect((await rowsNaming(id)).device_sync_op).toBe(5);
    await deleteAndCheck(id);
  });

  it('given an online door holding people, with open alerts and its sync workflow running, should answer 204 and stop the workflow', async () => {
    const c = newCareer();
    await k.addPeople(c, 3);
    const { id, d } = await online({ careers: [c], model: { user_sync_size: 3 } });
    await k.inSync(id, d);
    d.setBusy(60_000);
    await k.addPeople(c, 1);
    await eventually(async () => (await rowsNaming(id)).device_alert === 2, 'the busy alert and sync error');
    expect(await running(deviceSyncWorkflowId(id))).toBe(true);
    const before = await rowsNaming(id);
    expect(before.device_user).toBe(3);
    for (const t of ['device_presence', 'device_check', 'device_sync_op']) expect(before[t], t).toBeGreaterThan(0);
    await deleteAndCheck(id);
  });

  it('given a full resync in the middle of its stream, should answer 204 and end the resync', async () => {
    const c = newCareer();
    await k.addPeople(c, 150);
    const { id, d } = await online({ careers: [c], model: { user_sync_size: 1 } }, { latencyMs: 20 });
    await k.inSync(id, d, 60_000);
    expect((await api.request('POST', `/api/devices/${id}/resync`)).status).toBe(202);
    await eventually(async () => {
      const [r] = await k.sql<{ state: string; sent: number }>(
        'select state, sent from device_resync where device_id = ?',
        [id],
      );
      return r?.state === 'running' && r.sent > 0 && (await running(deviceFullResyncWorkflowId(id)));
    }, 'a resync under way');
    await deleteAndCheck(id);
  });

  it('given an offline door with events, snapshots and feature errors stored, should keep its events and snapshots only', async () => {
    const c = newCareer();
    await k.addPeople(c, 2);
    const { id, d } = await online({ careers: [c], model: { user_sync_size: 2 } });
    await k.inSync(id, d);
    expect(d.generateAccessEvents(2)).toBe(2);
    d.flushEvents();
    await eventually(async () => d.unacknowledgedEvents() === 0, 'acked events');
    const userId = d.users()[0]?.userId as number;
    await d.uploadCapture(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 9, 9]), { userId });
    await d.reportFeatureErrors([{ user_id: userId, feature_type: 'fa', index: 0, status: 1 }]);
    await eventually(
      async () => (await rowsNaming(id)).device_feature_error === 1 && (await rowsNaming(id)).device_capture === 1,
      'capture and feature error',
    );
    await d.stop();
    await eventually(async () => (await api.request('GET', `/api/devices/${id}`)).json.online === false, 'offline');
    expect(await deleteAndCheck(id)).toEqual({ access_event: 2, device_capture: 1 });
    // Still readable as the door's history.
    const events = await api.request('GET', `/api/events?device=${id}`);
    expect(events.json.items).toHaveLength(2);
    const captures = await api.request('GET', `/api/events/captures?device=${id}`);
    expect(captures.json.items).toHaveLength(1);
    expect((await api.request('GET', captures.json.items[0].imageUrl as string)).status).toBe(200);
  });

  it('given a command waiting on the door, should terminate that workflow too', async () => {
    const { id, d } = await online();
    d.dropNextAnswers(1000);
    const workflowId = deviceCommandWorkflowId(id, 'openingHours', randomUUID().slice(0, 8));
    const input: DeviceCommandInput = { deviceId: id, kind: 'openingHours', times: [] };
    await k.s.temporal.workflow.start('deviceCommand', { taskQueue: k.taskQueue, workflowId, args: [input] });
    await eventually(async () => (d.counters.received.access_time_config ?? 0) >= 1, 'the command at the door');
    await deleteAndCheck(id);
    expect((await k.s.temporal.workflow.getHandle(workflowId).describe()).status.name).toBe('TERMINATED');
  });

  it('given a person write waiting on a door that another writer is deleting, should let the person write succeed and queue nothing for the door', async () => {
    const c = newCareer();
    const [p] = await k.addPeople(c, 1);
    const { id } = await register({ careers: [c] });
    // Any writer (here plain SQL) deletes the door and has not committed yet.
    const trx = await k.s.orm.em.getKnex().transaction();
    await trx.raw('delete from device where id = ?', [id]);
    const write = k.sql(`update person set given_name = 'Waiting' where user_id = ?`, [p]);
    const waiting = async () => {
      const [r] = await k.sql<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like 'update person set given_name%'`,
      );
      return r?.n === 1;
    };
    await eventually(waiting, 'the person write waiting on the door row');
    await trx.commit();
    await expect(write).resolves.toBeDefined();
    expect(await rowsNaming(id)).toEqual({});
  });
});

describe('POST /api/devices/:id/rotate-secret', () => {
  it('should return a new secret once, store only its hash, log neither secret, and answer 404/400 for unknown or bad ids', async () => {
    const { id, secret } = await register();
    const [before] = await k.sql<{ secret_hash: string }>('select secret_hash from device where id = ?', [id]);
    const res = await api.request('POST', `/api/devices/${id}/rotate-secret`);
    expect(res.status).toBe(200);
    expect(res.json.id).toBe(id);
    const fresh = res.json.secret as string;
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fresh).not.toBe(secret);
    const [after] = await k.sql<{ secret_hash: string }>('select secret_hash from device where id = ?', [id]);
    expect(after?.secret_hash).not.toBe(before?.secret_hash);
    expect(after?.secret_hash.startsWith('scrypt$')).toBe(true);
    expect(after?.secret_hash.includes(fresh)).toBe(false);
    expect(JSON.stringify((await api.request('GET', `/api/devices/${id}`)).json)).not.toContain(fresh);
    expect((await api.request('POST', `/api/devices/${newId()}/rotate-secret`)).status).toBe(404);
    expect((await api.request('POST', `/api/devices/a%2Fb/rotate-secret`)).status).toBe(400);
    expect(logLines.some((l) => l.includes('device secret rotated'))).toBe(true);
    for (const s of [secret, fresh]) expect(logLines.filter((l) => l.includes(s))).toEqual([]);
  });

  it('should be in the OpenAPI document', async () => {
    const doc = await api.request('GET', '/api/openapi.json');
    expect(doc.json.paths['/api/devices/{id}/rotate-secret']?.post).toBeDefined();
    expect(doc.json.paths['/api/devices/{id}/alerts']?.get).toBeDefined();
    expect(doc.json.paths['/api/devices/{id}']?.delete).toBeDefined();
  });
});
