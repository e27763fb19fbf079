import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../src/targets/devices/simulator/simulator';
import { startApi, type TestApi } from '../helpers/api';
import {
  eventually,
  newCareer,
  startDeviceStack,
  TEST_SYNC_DEFAULTS,
  type DeviceStack,
} from '../gateway/device-harness';

/**
 * A device's alerts clear themselves when their cause is gone (busy: the next code 0; capacity full: the reset of a
 * full resync, or an admin; the last sync error: the next success), and `GET /api/devices/:id/alerts` keeps when
 * each was raised and cleared. Before, a door that had been busy kept `alerts.busy` and `lastSyncError` forever.
 */

let k: DeviceStack;
let api: TestApi;

beforeAll(async () => {
  k = await startDeviceStack();
  api = await startApi(k.s, k.taskQueue, { devices: { syncDefaults: TEST_SYNC_DEFAULTS, commandTimeoutMs: 15_000 } });
});
afterAll(async () => {
  await api?.close();
  await k?.close();
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

interface AlertItem {
  id: string;
  kind: string;
  raisedAt: string;
  lastRaisedAt: string;
  times: number;
  detail: string | null;
  clearedAt: string | null;
  clearedBy: string | null;
}

async function onlineDoor(
  body: Record<string, unknown> = {},
  sim: Parameters<DeviceStack['startDevice']>[2] = {},
): Promise<{ id: string; d: SimulatedDevice }> {
  const id = `door-${randomUUID().slice(0, 8)}`;
  const created = await api.request('POST', '/api/devices', { body: { id, name: id, ...body } });
  expect(created.status).toBe(201);
  const d = await k.startDevice(id, created.json.secret as string, sim);
  await eventually(async () => (await api.request('GET', `/api/devices/${id}`)).json.online === true, `${id} online`);
  return { id, d };
}

const alerts = async (id: string): Promise<{ busy: unknown; capacityFull: unknown; lastSyncError: string | null }> =>
  (await api.request('GET', `/api/devices/${id}/sync`)).json.alerts;

async function history(id: string, query = ''): Promise<AlertItem[]> {
  const res = await api.request('GET', `/api/devices/${id}/alerts${query}`);
  expect(res.status).toBe(200);
  return res.json.items as AlertItem[];
}

describe('device alerts clear themselves (digest §1)', () => {
  it('given a door that answered busy, when it recovers, then /sync shows no busy alert and no lastSyncError, and the history shows both raised and cleared', async () => {
    const c = newCareer();
    const { id, d } = await onlineDoor({ careers: [c] });
    await eventually(async () => (await k.progress(id)).state === 'idle', 'an idle sync');
    d.setBusy(800);
    await k.addPeople(c, 2);
    await eventually(async () => {
      const a = await alerts(id);
      return a.busy !== null && a.lastSyncError === 'device busy';
    }, 'the busy alert');
    await k.inSync(id, d);
    await eventually(async () => {
      const a = await alerts(id);
      return a.busy === null && a.lastSyncError === null;
    }, 'the alerts cleared after the recovery');
    const sync = (await api.request('GET', `/api/devices/${id}/sync`)).json;
    expect(sync.queued).toBe(0);
    expect(sync.incremental.lastError).toBeNull();
    expect((await api.request('GET', `/api/devices/${id}`)).json.alerts).toEqual({
      capacityFull: null,
      busy: null,
      lastSyncError: null,
    });

    const items = await history(id);
    const busy = items.find((a) => a.kind === 'busy');
    const error = items.find((a) => a.kind === 'syncError');
    expect(busy).toMatchObject({ clearedBy: 'pushAcknowledged', detail: 'device busy' });
    expect(error).toMatchObject({ clearedBy: 'pushAcknowledged', detail: 'device busy' });
    for (const a of [busy, error]) {
      expect(a?.raisedAt).toMatch(ISO);
      expect(a?.clearedAt).toMatch(ISO);
      expect(Date.parse(a?.clearedAt as string)).toBeGreaterThanOrEqual(Date.parse(a?.raisedAt as string));
    }
    expect(await history(id, '?open=true')).toEqual([]);
  });

  it('given a full door (code 1), keeps the alert until the resync’s reset is acknowledged; an admin can clear it too', async () => {
    const c = newCareer();
    await k.addPeople(c, 3);
    const { id, d } = await onlineDoor({ careers: [c], model: { user_sync_size: 1 } }, { model: { userCapacity: 2 } });
    await eventually(async () => (await alerts(id)).capacityFull !== null, 'the capacity alert');
    expect((await history(id, '?kind=capacityFull&open=true')).length).toBe(1);

    // A resync whose device now has room: the reset empties it, so the alert ends there.
    d.setCapacity(10);
    expect((await api.request('POST', `/api/devices/${id}/resync`)).status).toBe(202);
    await eventually(async () => (await alerts(id)).capacityFull === null, 'the capacity alert cleared by the reset');
    await k.inSync(id, d);
    const [full] = await history(id, '?kind=capacityFull');
    expect(full).toMatchObject({
      clearedBy: 'resetAcknowledged',
      detail: 'capacity full: the device refused further users',
    });
    await eventually(async () => (await alerts(id)).lastSyncError === null, 'no sync error left');

    // Full again; the admin route clears it and queues the dropped inserts.
    d.setCapacity(3);
    await k.addPeople(c, 2);
    await eventually(async () => (await alerts(id)).capacityFull !== null, 'the capacity alert again');
    d.setCapacity(10);
    expect((await api.request('DELETE', `/api/devices/${id}/capacity-alert`)).status).toBe(200);
    await k.inSync(id, d);
    const fulls = await history(id, '?kind=capacityFull');
    expect(fulls.map((a) => a.clearedBy)).toEqual(['admin', 'resetAcknowledged']);
  });

  it('given a push the door does not answer, shows it as lastSyncError until the retry is acknowledged', async () => {
    const c = newCareer();
    const { id, d } = await onlineDoor({ careers: [c] });
    await eventually(async () => (await k.progress(id)).state === 'idle', 'an idle sync');
    d.dropNextAnswers(1);
    await k.addPeople(c, 1);
    await eventually(
      async () => /^no answer to user_sync/.test((await alerts(id)).lastSyncError ?? ''),
      'the no-answer error',
    );
    await k.inSync(id, d);
    await eventually(async () => (await alerts(id)).lastSyncError === null, 'the error cleared');
    const [error] = await history(id, '?kind=syncError');
    expect(error?.clearedBy).toBe('pushAcknowledged');
  });

  it('pages the history newest first and refuses bad queries and unknown devices', async () => {
    const c = newCareer();
    const { id, d } = await onlineDoor({ careers: [c] });
    await eventually(async () => (await k.progress(id)).state === 'idle', 'an idle sync');
    d.setBusy(600);
    await k.addPeople(c, 1);
    await k.inSync(id, d);
    await eventually(
      async () => (await history(id)).length === 2 && (await history(id, '?open=true')).length === 0,
      'two cleared alerts',
    );
    const first = await api.request('GET', `/api/devices/${id}/alerts?limit=1`);
    expect(first.json.items).toHaveLength(1);
    expect(first.json.next).toBe(first.json.items[0].id);
    const second = await api.request('GET', `/api/devices/${id}/alerts?limit=1&after=${first.json.next as string}`);
    expect(second.json.items).toHaveLength(1);
    expect(Number(second.json.items[0].id)).toBeLessThan(Number(first.json.items[0].id));
    const third = await api.request('GET', `/api/devices/${id}/alerts?limit=1&after=${second.json.next as string}`);
    expect(third.json).toEqual({ items: [], next: null });
    for (const q of ['?limit=0', '?after=x', '?kind=hot', '?open=maybe', '?unexpected=1']) {
      const res = await api.request('GET', `/api/devices/${id}/alerts${q}`);
      expect(res.status, q).toBe(400);
    }
    expect((await api.request('GET', `/api/devices/nobody-${randomUUID().slice(0, 6)}/alerts`)).status).toBe(404);
  });
});
