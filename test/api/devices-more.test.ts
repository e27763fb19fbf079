import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../src/targets/devices/simulator/simulator';
import { startApi, type TestApi } from '../helpers/api';
import { eventually, startDeviceStack, TEST_SYNC_DEFAULTS, type DeviceStack } from '../gateway/device-harness';

let k: DeviceStack;
let api: TestApi;

beforeAll(async () => {
  k = await startDeviceStack();
  api = await startApi(k.s, k.taskQueue, {
    devices: {
      syncDefaults: TEST_SYNC_DEFAULTS,
      commandTimeoutMs: 15_000,
    },
  });
});
afterAll(async () => {
  await api?.close();
  await k?.close();
});

const newId = () => `door-${randomUUID().slice(0, 8)}`;
const newCareer = () => `Career-${randomUUID().slice(0, 8)}`;
const held = (d: SimulatedDevice) =>
  d
    .users()
    .map((u) => u.userId)
    .sort((a, b) => a - b);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

/** A device registered through the API, connected, and seen online by the gateway. */
async function onlineDevice(body: Record<string, unknown> = {}): Promise<{ id: string; d: SimulatedDevice }> {
  const id = newId();
  const created = await api.request('POST', '/api/devices', { body: { id, name: id, ...body } });
  expect(created.status).toBe(201);
  const d = await k.startDevice(id, created.json.secret as string);
  await eventually(async () => (await api.request('GET', `/api/devices/${id}`)).json.online === true, `${id} online`);
  return { id, d };
}

/** The device holds exactly what the database says it should, and nothing is left in its queue. */
async function settled(id: string, d: SimulatedDevice): Promise<void> {
  await eventually(
    async () => {
      const e = await k.expected(id);
      const sync = await api.request('GET', `/api/devices/${id}/sync`);
      return e.size === d.users().length && e.hash === d.hash() && sync.json.queued === 0;
    },
    `${id} to equal the database with an empty queue`,
    30_000,
  );
}

async function ciOf(userId: number): Promise<string> {
  const [p] = await k.sql<{ ci: string }>('select ci from person where user_id = ?', [userId]);
  return p!.ci;
}

async function storedEvents(id: string): Promise<{ user_id: number; access_time: Date }[]> {
  return k.sql('select user_id, access_time from access_event where device_id = ? order by access_time', [id]);
}

describe('POST /api/devices/:id/checkin-upload (seed §8)', () => {
  it('given bad days, an unknown or an offline device, should refuse without sending anything', async () => {
    const { id, d } = await onlineDevice();
    for (const body of [{}, { days: 0 }, { days: 367 }, { days: 1.5 }, { days: '2' }, { days: 2, extra: true }]) {
      const res = await api.request('POST', `/api/devices/${id}/checkin-upload`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.issues.length).toBeGreaterThan(0);
    }
    expect((await api.request('POST', `/api/devices/${newId()}/checkin-upload`, { body: { days: 1 } })).status).toBe(
      404,
    );
    expect(d.counters.received.checkin_upload).toBeUndefined();

    await d.goOffline();
    await eventually(
      async () => (await api.request('GET', `/api/devices/${id}`)).json.online === false,
      `${id} offline`,
    );
    const offline = await api.request('POST', `/api/devices/${id}/checkin-upload`, { body: { days: 1 } });
    expect(offline.status).toBe(409);
    expect(offline.json.error).toMatch(/offline/);
  });

  it('given records the platform lost, should send action 200 from "system" with the days, and store the re-uploaded records of those days only', async () => {
    const c = newCareer();
    const [a, b] = await k.addPeople(c, 2);
    const { id, d } = await onlineDevice({ careers: [c] });
    await eventually(async () => d.users().length === 2, 'the people on the device');

    const now = Date.now();
    const recent = [
      d.attemptAccess(a!, 'fa', new Date(now - 60_000)),
      d.attemptAccess(b!, 'card', new Date(now - 120_000)),
    ];
    const old = d.attemptAccess(a!, 'fa', new Date(now - 5 * 86_400_000));
    expect([...recent, old].every((r) => r !== undefined)).toBe(true);
    d.flushEvents();
    await eventually(
      async () => d.unacknowledgedEvents() === 0 && (await storedEvents(id)).length === 3,
      'the first upload to be stored',
    );
    // "因为某些意外情况导致部分门禁打卡记录在应用端丢失": the platform loses them.
    await k.sql('delete from access_event where device_id = ?', [id]);

    const res = await api.request('POST', `/api/devices/${id}/checkin-upload`, { body: { days: 2 } });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ requested: true, days: 2, result: { code: null } });
    const got = d.lastReceived('checkin_upload');
    expect(got).toMatchObject({
      from: 'system',
      to: id,
      action: 200,
      data: { cmd: 'checkin_upload', payload: { days: 2 } },
    });
    expect(d.counters.rejected).toBe(0);

    await eventually(
      async () => d.unacknowledgedEvents() === 0 && (await storedEvents(id)).length === 2,
      'the re-upload to be stored',
    );
    const stored = await storedEvents(id);
    expect(sorted(stored.map((e) => e.user_id))).toEqual(sorted([a!, b!]));
    expect(stored.map((e) => new Date(e.access_time).getTime() / 1000).sort()).toEqual(
      recent.map((r) => r!.accessTime).sort(),
    );
  });
});

describe('GET /api/events/captures/:id/image (seed §13)', () => {
  it('given snapshots a device uploaded, should serve each one byte for byte with its content type', async () => {
    const c = newCareer();
    const [u] = await k.addPeople(c, 1);
    const { id, d } = await onlineDevice({ careers: [c] });
    const jpeg = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    const png = await sharp({ create: { width: 9, height: 7, channels: 3, background: '#996633' } })
      .png()
      .toBuffer();
    await d.uploadCapture(jpeg, { userId: u!, at: new Date('2026-03-02T10:00:00Z') });
    await d.uploadCapture(png, { at: new Date('2026-03-02T10:00:05Z') });

    const list = await eventually(async () => {
      const r = await api.request('GET', `/api/events/captures?device=${id}`);
      return r.json.items.length === 2
        ? (r.json.items as {
            id: string;
            userId: number | null;
            bytes: number;
            contentType: string;
            imageUrl: string;
          }[])
        : undefined;
    }, 'the captures to be stored');
    const byType = Object.fromEntries(list.map((i) => [i.contentType, i]));
    expect(byType['image/jpeg']).toMatchObject({ userId: u, bytes: jpeg.length });
    expect(byType['image/png']).toMatchObject({ userId: null, bytes: png.length });

    for (const [type, data] of [
      ['image/jpeg', jpeg],
      ['image/png', png],
    ] as const) {
      const item = byType[type]!;
      expect(item.imageUrl).toBe(`/api/events/captures/${item.id}/image`);
      const img = await api.request('GET', item.imageUrl);
      expect(img.status).toBe(200);
      expect(img.headers.get('content-type')).toMatch(new RegExp(`^${type}`));
      expect(img.bytes.equals(data)).toBe(true);
    }
  });

  it('given an unknown or malformed capture id, should answer 404 or 400', async () => {
    const [{ max }] = (await k.sql<{ max: string | null }>('select max(id)::text as max from device_capture')) as [
      { max: string | null },
    ];
    const unknown = String(BigInt(max ?? '0') + 1000n);
    const res = await api.request('GET', `/api/events/captures/${unknown}/image`);
    expect(res.status).toBe(404);
    expect(res.json.error).toMatch(new RegExp(`capture ${unknown}`));
    expect((await api.request('GET', '/api/events/captures/abc/image')).status).toBe(400);
  });
});

describe('PATCH /api/devices/:id careers', () => {
  it('given a device of career A, when its careers become [B], then it receives B’s people, loses A’s, and its queue drains', async () => {
    const [ca, cb] = [newCareer(), newCareer()];
    const inA = await k.addPeople(ca, 3);
    const inB = await k.addPeople(cb, 2);
    const { id, d } = await onlineDevice({ careers: [ca], model: { user_sync_size: 2 } });
    await settled(id, d);
    expect(held(d)).toEqual(inA);
    const before = d.userSyncLog.length;

    const res = await api.request('PATCH', `/api/devices/${id}`, { body: { careers: [cb] } });
    expect(res.status).toBe(200);
    expect(res.json.careers).toEqual([cb]);
    await settled(id, d);
    expect(held(d)).toEqual(inB);
    const pushed = d.userSyncLog.slice(before).flatMap((p) => p.users);
    expect(sorted(pushed.filter((e) => 'delete' in e).map((e) => e.user_id))).toEqual(inA);
    expect(sorted(pushed.filter((e) => !('delete' in e)).map((e) => e.user_id))).toEqual(inB);
    const ack = await k.sql<{ user_id: number }>(
      'select user_id from device_user where device_id = ? order by user_id',
      [id],
    );
    expect(ack.map((r) => r.user_id)).toEqual(inB);

    // Both careers: A's people come back; B's stay (nothing is pushed for them again).
    const again = d.userSyncLog.length;
    expect((await api.request('PATCH', `/api/devices/${id}`, { body: { careers: [ca, cb] } })).status).toBe(200);
    await settled(id, d);
    expect(held(d)).toEqual(sorted([...inA, ...inB]));
    expect(sorted(d.userSyncLog.slice(again).flatMap((p) => p.users.map((e) => e.user_id)))).toEqual(inA);
  });

  it('given a bad patch, should answer 400 and change nothing', async () => {
    const c = newCareer();
    await k.addPeople(c, 1);
    const { id, d } = await onlineDevice({ careers: [c] });
    await settled(id, d);
    for (const body of [{}, { careers: 'x' }, { careers: [''] }, { careers: [c], id: 'other' }]) {
      expect((await api.request('PATCH', `/api/devices/${id}`, { body })).status, JSON.stringify(body)).toBe(400);
    }
    expect((await api.request('GET', `/api/devices/${id}`)).json.careers).toEqual([c]);
    expect((await api.request('PATCH', `/api/devices/${newId()}`, { body: { careers: [] } })).status).toBe(404);
  });
});

describe('device assignments', () => {
  it('given people outside the device’s careers, when assigned, the device gains them; when unassigned, it loses them', async () => {
    const [mine, other] = [newCareer(), newCareer()];
    const own = await k.addPeople(mine, 2);
    const [x, y] = await k.addPeople(other, 3);
    const { id, d } = await onlineDevice({ careers: [mine] });
    await settled(id, d);
    expect(held(d)).toEqual(own);

    const res = await api.request('POST', `/api/devices/${id}/assignments`, {
      body: { cis: [await ciOf(x!), await ciOf(y!)] },
    });
    expect(res.status).toBe(200);
    expect(res.json.assigned).toBe(2);
    await settled(id, d);
    expect(held(d)).toEqual(sorted([...own, x!, y!]));
    expect(d.users().find((u) => u.userId === x)?.dept).toBe(other);

    const before = d.userSyncLog.length;
    expect((await api.request('DELETE', `/api/devices/${id}/assignments/${await ciOf(x!)}`)).status).toBe(204);
    await settled(id, d);
    expect(held(d)).toEqual(sorted([...own, y!]));
    expect(d.userSyncLog.slice(before).flatMap((p) => p.users)).toEqual([{ user_id: x, user_type: 0, delete: true }]);
    // Gone already: a second unassign has nothing to remove.
    expect((await api.request('DELETE', `/api/devices/${id}/assignments/${await ciOf(x!)}`)).status).toBe(404);
  });

  it('given a person the device holds by career, assigning and unassigning them leaves them on the device', async () => {
    const c = newCareer();
    const [p, q] = await k.addPeople(c, 2);
    const { id, d } = await onlineDevice({ careers: [c] });
    await settled(id, d);
    const before = d.userSyncLog.length;

    expect(
      (await api.request('POST', `/api/devices/${id}/assignments`, { body: { cis: [await ciOf(p!)] } })).status,
    ).toBe(200);
    expect((await api.request('DELETE', `/api/devices/${id}/assignments/${await ciOf(p!)}`)).status).toBe(204);
    await settled(id, d);
    expect(held(d)).toEqual(sorted([p!, q!]));
    // The trigger queued an upsert and a delete; folding against the desired state sends neither.
    expect(
      d.userSyncLog
        .slice(before)
        .flatMap((x) => x.users)
        .filter((e) => 'delete' in e),
    ).toEqual([]);
  });

  it('given unknown people or an unknown device, should answer 404 and assign nobody', async () => {
    const c = newCareer();
    const [p] = await k.addPeople(c, 1);
    const { id } = await onlineDevice();
    const res = await api.request('POST', `/api/devices/${id}/assignments`, {
      body: { cis: [await ciOf(p!), 'NOBODY0001'] },
    });
    expect(res.status).toBe(404);
    expect(res.json.error).toMatch(/NOBODY0001/);
    expect(await k.sql('select 1 from device_assignment where device_id = ?', [id])).toEqual([]);
    expect(
      (await api.request('POST', `/api/devices/${newId()}/assignments`, { body: { cis: [await ciOf(p!)] } })).status,
    ).toBe(404);
    for (const body of [{ cis: [] }, { cis: ['a b'] }, {}]) {
      expect((await api.request('POST', `/api/devices/${id}/assignments`, { body })).status, JSON.stringify(body)).toBe(
        400,
      );
    }
  });
});
