import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../helpers/api';
import { eventually, startDeviceStack, TEST_SYNC_DEFAULTS, type DeviceStack } from '../gateway/device-harness';

let k: DeviceStack;
let api: TestApi;

beforeAll(async () => {
  k = await startDeviceStack();
  api = await startApi(k.s, k.taskQueue, {
    devices: { syncDefaults: TEST_SYNC_DEFAULTS, commandTimeoutMs: 15_000 },
  });
});
afterAll(async () => {
  await api?.close();
  await k?.close();
});

const newId = () => `door-${randomUUID().slice(0, 8)}`;

describe('devices API', () => {
  it('given a new device, should show its secret once, store only a hash, and never return it again', async () => {
    const id = newId();
    const res = await api.request('POST', '/api/devices', { body: { id, name: 'Front door', model: { user_sync_size: 5 } } });
    expect(res.status).toBe(201);
    expect(typeof res.json.secret).toBe('string');
    expect(res.json.model.userSyncSize).toBe(5);
    expect(res.json.model.userCapacity).toBe(1000);
    const [row] = await k.sql<{ secret_hash: string }>('select secret_hash from device where id = ?', [id]);
    expect(row?.secret_hash.includes(res.json.secret as string)).toBe(false);
    const got = await api.request('GET', `/api/devices/${id}`);
    expect(got.status).toBe(200);
    expect(JSON.stringify(got.json)).not.toContain(res.json.secret as string);
    expect(JSON.stringify(got.json)).not.toContain('scrypt');
    expect((await api.request('POST', '/api/devices', { body: { id, name: 'Again' } })).status).toBe(409);
  });

  it('given bad input, should answer 400 with the reason and store nothing', async () => {
    const bad = [
      { id: 'a/b', name: 'x' },
      { id: '+', name: 'x' },
      { id: newId(), name: 'x', model: { user_sync_size: 0 } },
      { id: newId(), name: 'x', model: { check_type: 'face' } },
      { id: newId(), name: 'x', config: { volume: { type: 'int' } } },
      { id: newId(), name: 'x', unexpected: true },
      { id: newId() },
    ];
    const before = await k.sql<{ n: number }>('select count(*)::int as n from device');
    for (const body of bad) {
      const res = await api.request('POST', '/api/devices', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.issues.length).toBeGreaterThan(0);
    }
    expect(await k.sql<{ n: number }>('select count(*)::int as n from device')).toEqual(before);
    expect((await api.request('GET', '/api/devices/nope-nope')).status).toBe(404);
  });

  it('sends opening hours and properties validated against the model, and stores what the device accepted', async () => {
    const id = newId();
    const created = await api.request('POST', '/api/devices', {
      body: {
        id,
        name: 'Lab',
        config: {
          faceScore_config: { options: [{ value: '85' }, { value: '80' }, { value: '70' }], default: '80' },
          comRelayTime_config: { type: 'int', min: 1, max: 30, tips: 'seconds' },
        },
      },
    });
    expect(created.status).toBe(201);
    const d = await k.startDevice(id, created.json.secret as string);
    await eventually(async () => (await api.request('GET', `/api/devices/${id}`)).json.online === true, 'online');

    const badHours = await api.request('PUT', `/api/devices/${id}/opening-hours`, { body: { times: [{ day: [1, 7], time_begin: '25:00', time_end: '08:00' }] } });
    expect(badHours.status).toBe(400);
    expect(d.openingHours()).toBeUndefined();
    const times = [
      { day: [1, 2, 3, 4, 5], time_begin: '08:00', time_end: '18:00' },
      { day: [6], time_begin: '09:00', time_end: '12:30' },
    ];
    const hours = await api.request('PUT', `/api/devices/${id}/opening-hours`, { body: { times } });
    expect(hours.status).toBe(200);
    expect(d.openingHours()).toEqual(times);
    expect(hours.json.openingHours).toEqual(times);

    for (const properties of [[{ property: 'volume', value: '3' }], [{ property: 'faceScore', value: '99' }], [{ property: 'comRelayTime', value: '31' }]]) {
      const res = await api.request('PUT', `/api/devices/${id}/properties`, { body: { properties } });
      expect(res.status).toBe(400);
      expect(res.json.problems.length).toBe(1);
    }
    expect(d.properties()).toEqual({});
    const ok = await api.request('PUT', `/api/devices/${id}/properties`, { body: { properties: [{ property: 'faceScore', value: '85' }, { property: 'comRelayTime', value: '5' }] } });
    expect(ok.status).toBe(200);
    expect(d.properties()).toEqual({ faceScore: { value: '85' }, comRelayTime: { value: '5' } });
    expect(ok.json.properties.faceScore.value).toBe('85');
  });

  it('resyncs on request, shows sync state, and pages through the door events', async () => {
    const c = `Career-${randomUUID().slice(0, 8)}`;
    await k.addPeople(c, 6);
    const id = newId();
    const created = await api.request('POST', '/api/devices', { body: { id, name: 'Gym', careers: [c], model: { user_sync_size: 4 } } });
    const d = await k.startDevice(id, created.json.secret as string);
    await eventually(async () => d.users().length === 6, 'the people on the device');
    const resync = await api.request('POST', `/api/devices/${id}/resync`);
    expect(resync.status).toBe(202);
    await eventually(async () => (await api.request('GET', `/api/devices/${id}/sync`)).json.resync?.state === 'completed', 'the resync');
    const sync = await api.request('GET', `/api/devices/${id}/sync`);
    expect(sync.json).toMatchObject({ deviceId: id, online: true, held: 6 });
    expect(sync.json.resync).toMatchObject({ total: 6, sent: 6 });

    const base = new Date('2026-03-02T10:00:00Z');
    for (let i = 0; i < 5; i++) for (const u of d.users()) d.attemptAccess(u.userId, 'fa', new Date(base.getTime() + (i * 10 + u.userId % 7) * 1000));
    d.flushEvents();
    await eventually(async () => d.unacknowledgedEvents() === 0, 'acks', 20_000);
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const page = await api.request('GET', `/api/events?device=${id}&limit=7${next ? `&after=${next}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...(page.json.items as { id: string }[]).map((e) => e.id));
      next = page.json.next as string | null;
    } while (next !== null);
    expect(new Set(seen).size).toBe(30);
    expect((await api.request('GET', `/api/events?from=2026-03-03T00:00:00Z&to=2026-03-01T00:00:00Z`)).status).toBe(400);
  });

  it('leaves seed 002’s start-face-capture route where it was', async () => {
    const res = await api.request('POST', `/api/devices/${randomUUID()}/start-face-capture`, { body: {} });
    expect(res.status).toBe(404);
    expect(res.json.error).toMatch(/device .* not found/);
  });
});
