import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inWindow } from '../../../src/targets/devices/simulator/state';
import { SimulatedDevice, type SimulatedDeviceOptions } from '../../../src/targets/devices/simulator/simulator';
import type { CloudGatewayClient, UnsolicitedContext } from '../../../src/targets/devices/client/gateway-client';
import type { UpMessage, UserEntry } from '../../../src/targets/devices/protocol/messages';
import { xorHash } from '../../../src/targets/devices/protocol/xor-hash';
import {
  APP_ID,
  eventually,
  gatewayClient,
  logger,
  secretOf,
  sleep,
  startHarness,
  uniqueDeviceId,
  type Harness,
} from './cloud-harness';
import { settled } from '../../helpers/wait';

let h: Harness;
let gw: CloudGatewayClient;
const inbox: { message: UpMessage; context: UnsolicitedContext }[] = [];
const running: SimulatedDevice[] = [];

async function device(opts: Partial<SimulatedDeviceOptions> = {}): Promise<SimulatedDevice> {
  const deviceId = opts.deviceId ?? uniqueDeviceId('sim');
  const d = new SimulatedDevice({
    deviceId,
    secret: secretOf(deviceId),
    url: h.broker.url,
    appId: APP_ID,
    logger,
    ...opts,
  });
  running.push(d);
  await d.start();
  return d;
}

const from = (d: SimulatedDevice, cmd: string) =>
  inbox.filter((m) => m.context.deviceId === d.deviceId && m.message.data.cmd === cmd).map((m) => m.message);
const person = (user_id: number): UserEntry => ({ user_id, user_type: 0, name: `P${user_id}` });
const ids = (d: SimulatedDevice) =>
  d
    .users()
    .map((u) => u.userId)
    .sort((a, b) => a - b);

async function push(d: SimulatedDevice, users: UserEntry[], reset = false, timeoutMs = 2000) {
  const payload = reset ? { reset, total_count: users.length, users } : { reset, users };
  const answer = await gw.request(d.deviceId, 'user_sync', { payload }, { timeoutMs });
  return answer.data.payload;
}

beforeAll(async () => {
  h = await startHarness();
  gw = await gatewayClient(h.broker.url);
  gw.onUnsolicited((message, context) => {
    inbox.push({ message, context });
  });
});
afterEach(async () => {
  await Promise.allSettled(running.splice(0).map((d) => d.stop()));
});
afterAll(async () => {
  await gw.close();
  await h.close();
});

describe('people sync (§1)', () => {
  it('applies adds, updates and deletes in order and answers code 0 with sync_size', async () => {
    const d = await device();
    expect(await push(d, [person(1), person(2), person(3)])).toEqual({ code: 0, sync_size: 3 });
    expect(
      await push(d, [
        { ...person(2), name: 'Renamed', admin: true },
        { user_id: 3, user_type: 0, delete: true },
      ]),
    ).toEqual({ code: 0, sync_size: 2 });
    expect(ids(d)).toEqual([1, 2]);
    expect(d.users().find((u) => u.userId === 2)).toMatchObject({ name: 'Renamed', admin: true });
  });

  it('reset: true clears everything before applying (full resync)', async () => {
    const d = await device();
    await push(d, [person(1), person(2)]);
    expect(await push(d, [person(10), person(11)], true)).toEqual({ code: 0, sync_size: 2 });
    expect(ids(d)).toEqual([10, 11]);
  });

  it('at capacity applies the head of the batch (partial sync_size), then answers code 1', async () => {
    const d = await device({ model: { userCapacity: 3 } });
    expect(await push(d, [person(1), person(2), person(3), person(4), person(5)])).toEqual({ code: 0, sync_size: 3 });
    expect(ids(d)).toEqual([1, 2, 3]);
    expect(await push(d, [person(4)])).toEqual({ code: 1 });
    // Updates and deletes need no room.
    expect(await push(d, [{ ...person(1), name: 'x' }, { user_id: 2, user_type: 0, delete: true }, person(4)])).toEqual(
      { code: 0, sync_size: 3 },
    );
    d.setCapacity(10);
    expect(await push(d, [person(5)])).toEqual({ code: 0, sync_size: 1 });
    expect(ids(d)).toEqual([1, 3, 4, 5]);
  });

  it('answers code 2 while busy and applies nothing', async () => {
    const d = await device();
    d.setBusy(300);
    expect(await push(d, [person(1)])).toEqual({ code: 2 });
    expect(ids(d)).toEqual([]);
    await sleep(350);
    expect(await push(d, [person(1)])).toEqual({ code: 0, sync_size: 1 });
  });

  it('a dropped answer still applied the entries; the re-push is idempotent', async () => {
    const d = await device();
    d.dropNextAnswers(1);
    await expect(push(d, [person(1), person(2)], false, 300)).rejects.toMatchObject({ kind: 'timeout' });
    expect(ids(d)).toEqual([1, 2]);
    expect(await push(d, [person(1), person(2)])).toEqual({ code: 0, sync_size: 2 });
    expect(ids(d)).toEqual([1, 2]);
    expect(d.counters.answersDropped).toBe(1);
  });
});

describe('consistency check (§2)', () => {
  it('reports size and the XOR hash of its users on connect, on request and after reconnecting', async () => {
    const d = await device();
    await eventually(() => from(d, 'user_sync_check').length === 1, 2000, 'check on connect');
    expect(from(d, 'user_sync_check')[0]!.data).toEqual({
      cmd: 'user_sync_check',
      payload: { size: 0, hash: '0', reason: 0 },
    });

    await push(d, [person(123), person(124), person(100_000_011)]);
    await d.requestCheck();
    await eventually(() => from(d, 'user_sync_check').length === 2, 2000, 'requested check');
    const check = from(d, 'user_sync_check')[1]!;
    expect(check.data).toEqual({
      cmd: 'user_sync_check',
      payload: { size: 3, hash: xorHash([123, 124, 100_000_011]), reason: 0 },
    });
    expect(xorHash([123, 124, 100_000_011])).toBe(d.hash());

    // Negative control: a local anomaly changes the hash away from what the app pushed.
    d.corruptLocalUser({ userId: 999, name: 'ghost' });
    await d.goOffline();
    await d.goOnline();
    await eventually(() => from(d, 'user_sync_check').length === 3, 2000, 'check after reconnect');
    const after = from(d, 'user_sync_check')[2]!.data;
    expect(after).toEqual({
      cmd: 'user_sync_check',
      payload: { size: 4, hash: xorHash([123, 124, 100_000_011, 999]), reason: 0 },
    });
    expect(after.cmd === 'user_sync_check' && after.payload.hash).not.toBe(xorHash([123, 124, 100_000_011]));
  });
});

describe('access events (§7, §8)', () => {
  it('uploads in batches and re-sends the same batch until acknowledged', async () => {
    const d = await device({ eventBatchMs: 30, eventResendMs: 150 });
    await push(d, [person(1), person(2)]);
    expect(d.generateAccessEvents(3)).toBe(3);
    await eventually(() => from(d, 'access_data_upload').length >= 3, 3000, 'two re-sends');
    const uploads = from(d, 'access_data_upload');
    expect(new Set(uploads.map((u) => u.mid)).size).toBe(1);
    const first = uploads[0]!;
    expect(first.data.cmd === 'access_data_upload' && first.data.payload.users).toHaveLength(3);
    expect(d.unacknowledgedEvents()).toBe(3);

    await gw.acknowledge(first as UpMessage<'access_data_upload'>);
    await eventually(() => d.unacknowledgedEvents() === 0, 2000, 'ack applied');
    const count = await settled(() => from(d, 'access_data_upload').length, 200);
    await sleep(300);
    expect(from(d, 'access_data_upload').length).toBe(count);
  });

  it('keeps events while offline and uploads them after reconnecting; checkin_upload re-uploads history', async () => {
    const d = await device({ eventBatchMs: 30, eventResendMs: 10_000 });
    await push(d, [person(5)]);
    await d.goOffline({ abrupt: true });
    d.generateAccessEvents(2);
    await sleep(100);
    expect(from(d, 'access_data_upload')).toHaveLength(0);
    await d.goOnline();
    await eventually(() => from(d, 'access_data_upload').length >= 1, 2000, 'upload after reconnect');
    // Exactly one batch: the reconnect sends it once (not once by the tick and again by the reconnect).
    await sleep(100);
    expect(new Set(from(d, 'access_data_upload').map((m) => m.mid)).size).toBe(1);
    expect(from(d, 'access_data_upload')).toHaveLength(1);
    await gw.acknowledge(from(d, 'access_data_upload')[0] as UpMessage<'access_data_upload'>);
    await eventually(() => d.unacknowledgedEvents() === 0, 2000, 'acked');

    await gw.send(d.deviceId, 'checkin_upload', { payload: { days: 1 } });
    const before = from(d, 'access_data_upload').length;
    await eventually(() => from(d, 'access_data_upload').length > before, 2000, 're-upload');
    const again = from(d, 'access_data_upload')[before]!;
    expect(again.data.cmd === 'access_data_upload' && again.data.payload.users.map((u) => u.user_id)).toEqual([5, 5]);
  });
});

describe('door status (§9)', () => {
  it('repeats the latest status until acknowledged, and reports it first after reconnecting', async () => {
    const d = await device({ statusResendMs: 50 });
    d.setDoorState(1);
    await eventually(() => from(d, 'device_status_update').length >= 3, 2000, 'repeats');
    await d.goOffline();
    const before = inbox.filter((m) => m.context.deviceId === d.deviceId).length;
    await d.goOnline();
    await eventually(
      () => inbox.filter((m) => m.context.deviceId === d.deviceId).length >= before + 2,
      2000,
      'after reconnect',
    );
    expect(inbox.filter((m) => m.context.deviceId === d.deviceId)[before]!.message.data.cmd).toBe(
      'device_status_update',
    );
    const status = from(d, 'device_status_update').at(-1)!;
    await gw.acknowledge(status as UpMessage<'device_status_update'>);
    await eventually(() => d.doorStatusAcknowledged(), 2000, 'ack');
    const n = await settled(() => from(d, 'device_status_update').length, 200);
    await sleep(200);
    expect(from(d, 'device_status_update').length).toBe(n);
  });
});

describe('opening hours (§10) and properties (§14)', () => {
  it('applies and answers access_time_config; non-admins are refused outside every window', async () => {
    const d = await device();
    await push(d, [person(1), { ...person(2), admin: true }]);
    const times = [
      { day: [1, 2, 3, 4, 5], time_begin: '08:00', time_end: '12:00' },
      { day: [1], time_begin: '11:00', time_end: '18:00' },
    ];
    const answer = await gw.request(d.deviceId, 'access_time_config', { payload: { times } });
    expect(answer.data).toEqual({ cmd: 'access_time_config', payload: { code: 0, msg: '' } });
    expect(d.openingHours()).toEqual(times);
    const mondayAt = (h: number, m = 0) => new Date(2026, 0, 5, h, m); // 5 Jan 2026 is a Monday
    expect(d.attemptAccess(1, 'fa', mondayAt(17, 59))).toBeDefined();
    expect(d.attemptAccess(1, 'fa', mondayAt(18, 1))).toBeUndefined();
    expect(d.lastRefusal).toBe('outsideOpeningHours');
    expect(d.attemptAccess(2, 'fa', mondayAt(23))).toBeDefined();
    expect(d.attemptAccess(1, 'fa', new Date(2026, 0, 6, 13))).toBeUndefined();
  });

  it('windows past midnight belong to the day they start', () => {
    const w = { day: [5], time_begin: '22:00', time_end: '06:00' };
    expect(inWindow(w, new Date(2026, 0, 9, 23))).toBe(true); // Friday 23:00
    expect(inWindow(w, new Date(2026, 0, 10, 5, 59))).toBe(true); // Saturday 05:59
    expect(inWindow(w, new Date(2026, 0, 10, 23))).toBe(false); // Saturday 23:00
  });

  it('applies property_update and answers code 0', async () => {
    const d = await device();
    const answer = await gw.request(d.deviceId, 'property_update', {
      payload: { properties: [{ property: 'faceScore', value: '85', ext_value: '' }] },
    });
    expect(answer.data).toEqual({ cmd: 'property_update', payload: { code: 0, msg: '' } });
    expect(d.properties()).toEqual({ faceScore: { value: '85', extValue: '' } });
  });
});

describe('latency and throughput', () => {
  it('a configured latency delays answers', async () => {
    const d = await device({ latencyMs: 200 });
    const t0 = Date.now();
    await push(d, [person(1)]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('a full resync of 2 000 users in batches of 100 completes quickly', async () => {
    const d = await device({ model: { userCapacity: 10_000 } });
    const users = Array.from({ length: 2000 }, (_, i) => person(i + 1));
    let done = 0;
    for (let i = 0; i < users.length; i += 100) {
      const batch = users.slice(i, i + 100);
      const payload =
        i === 0 ? { reset: true, total_count: users.length, users: batch } : { reset: false, users: batch };
      const a = await gw.request(d.deviceId, 'user_sync', { payload });
      if (a.data.payload.code === 0) done += a.data.payload.sync_size ?? 0;
    }
    expect(done).toBe(2000);
    expect(d.hash()).toBe(xorHash(users.map((u) => u.user_id)));
  });
});
