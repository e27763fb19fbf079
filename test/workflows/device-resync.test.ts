import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../src/targets/devices/simulator/simulator';
import { eventually, newCareer, startDeviceStack, type DeviceStack } from '../gateway/device-harness';
import { desiredPage } from '../../src/db/repositories/devices/device-people';

let k: DeviceStack;

beforeAll(async () => {
  k = await startDeviceStack();
});
afterAll(async () => {
  await k?.close();
});

const career = () => newCareer();
const progress = (id: string) => k.progress(id);

const inSync = (deviceId: string, d: SimulatedDevice) => k.inSync(deviceId, d, 30_000);

async function checks(id: string) {
  return k.sql<{ outcome: string; reason: number; detail: string | null }>('select outcome, reason, detail from device_check where device_id = ? order by id', [id]);
}

async function resyncRow(id: string) {
  const [r] = await k.sql<{ state: string; reason: string; total: number; sent: number; reset_acked: boolean }>(
    'select state, reason, total, sent, reset_acked from device_resync where device_id = ?',
    [id],
  );
  return r;
}

describe('deviceFullResync (digest §1/§2)', () => {
  it('sends reset: true and total_count on the first message only, streams everyone, and leaves the device equal to the database', async () => {
    const c = career();
    const users = await k.addPeople(c, 7);
    const { id, secret } = await k.addDevice({ careers: [c], model: { userSyncSize: 3 } });
    const d = await k.startDevice(id, secret);
    await inSync(id, d);
    d.corruptLocalUser({ userId: 2_000_000_001, name: 'Stray' });
    const from = d.userSyncLog.length;
    await k.requestResync(id);
    await eventually(async () => (await resyncRow(id))?.state === 'completed', 'the resync to complete');
    await inSync(id, d);
    const log = d.userSyncLog.slice(from);
    expect(log[0]).toMatchObject({ reset: true, total_count: 7 });
    expect(log.slice(1).every((p) => p.reset === false && p.total_count === undefined)).toBe(true);
    expect(log.flatMap((p) => p.users.map((u) => u.user_id))).toEqual(users);
    expect(log.map((p) => p.users.length)).toEqual([3, 3, 1]);
    expect(d.users().some((u) => u.userId === 2_000_000_001)).toBe(false);
    expect((await progress(id)).counters.resyncs).toBe(1);
  });

  it('a device with no one to hold still gets the reset (an empty first message with total_count 0)', async () => {
    const { id, secret } = await k.addDevice({ careers: [career()] });
    const d = await k.startDevice(id, secret);
    d.corruptLocalUser({ userId: 77, name: 'Stray' });
    await k.requestResync(id);
    await eventually(async () => (await resyncRow(id))?.state === 'completed', 'the resync to complete');
    expect(d.userSyncLog.at(-1)).toEqual({ reset: true, total_count: 0, users: [] });
    expect(d.users()).toHaveLength(0);
  });
});

describe('the full resync stream (desiredPage)', () => {
  // A device of a few careers walks each career; one of many walks everyone in user_id order (desiredPage).
  it.each([
    ['2 careers (each walked on its own)', 2],
    ['10 careers (everyone walked in user_id order)', 10],
  ])('pages through career and assigned people in user_id order, each once, whatever the page size: %s', async (_name, n) => {
    const careers = Array.from({ length: n }, () => career());
    const other = career();
    // Careers whose user ids interleave, so each page merges them.
    const inCareer: number[] = [];
    for (const round of [3, 2]) for (const c of careers) inCareer.push(...(await k.addPeople(c, round)));
    const outside = await k.addPeople(other, 3);
    const { id } = await k.addDevice({ careers });
    // Two people from outside the careers, and one the device holds by career anyway, assigned explicitly.
    for (const userId of [outside[0], outside[2], inCareer[1]]) {
      await k.sql('insert into device_assignment (device_id, person_id) select ?, id from person where user_id = ?', [id, userId]);
    }
    // An inactive person is held by no device, by career or by assignment.
    const inactive = inCareer[inCareer.length - 1]!;
    await k.sql('update person set active = false where user_id = ?', [inactive]);
    await k.sql('insert into device_assignment (device_id, person_id) select ?, id from person where user_id = ?', [id, inactive]);
    const expected = [...inCareer.filter((u) => u !== inactive), outside[0]!, outside[2]!].sort((a, b) => a - b);
    for (const limit of [1, 2, 3, 100]) {
      const seen: number[] = [];
      let after = 0;
      for (;;) {
        const page = await desiredPage(k.s.orm.em.getKnex(), id, after, limit);
        expect(page.rows.length).toBeLessThanOrEqual(limit);
        seen.push(...page.rows.map((r) => r.user_id));
        if (page.last) break;
        expect(page.rows.length, 'a page that is not the last is full').toBe(limit);
        after = page.upTo!;
      }
      expect(seen, `page size ${limit}`).toEqual(expected);
    }
  });
});

describe('user_sync_check (digest §2)', () => {
  it('records "consistent" when size and XOR hash equal what the device should hold', async () => {
    const c = career();
    await k.addPeople(c, 4);
    const { id, secret } = await k.addDevice({ careers: [c], model: { userSyncSize: 4 } });
    const d = await k.startDevice(id, secret);
    await inSync(id, d);
    await eventually(async () => (await progress(id)).state === 'idle', 'idle');
    await d.requestCheck(0);
    await eventually(async () => (await checks(id)).at(-1)?.outcome === 'consistent', 'a consistent check');
    // The row is written inside the evaluating activity; the workflow counts it when the result arrives.
    await eventually(async () => (await progress(id)).counters.checks.consistent >= 1, 'the workflow to count the consistent check');
  });

  it('starts a full resync (clearing the queue first for reason 1) when the hash differs', async () => {
    const c = career();
    await k.addPeople(c, 5);
    const { id, secret } = await k.addDevice({ careers: [c], model: { userSyncSize: 5 } });
    const d = await k.startDevice(id, secret);
    await inSync(id, d);
    await eventually(async () => (await progress(id)).state === 'idle', 'idle');
    d.corruptLocalUser({ userId: 2_000_000_002, name: 'Ghost' });
    const from = d.userSyncLog.length;
    await d.requestCheck(1);
    await eventually(async () => (await checks(id)).at(-1)?.outcome === 'mismatch', 'a mismatch');
    await eventually(async () => (await resyncRow(id))?.state === 'completed', 'the resync');
    expect((await resyncRow(id))?.reason).toBe('checkAnomaly');
    await inSync(id, d);
    expect(d.userSyncLog[from]).toMatchObject({ reset: true, total_count: 5 });
    // A routine check afterwards, once the workflow is back to idle, agrees.
    await eventually(async () => (await progress(id)).state === 'idle', 'idle after the resync');
    await d.requestCheck(0);
    await eventually(async () => (await checks(id)).at(-1)?.outcome === 'consistent', 'a consistent check after the resync');
  });

  it('ignores a check (and records that) while pushes are still pending', async () => {
    const c = career();
    const { id, secret } = await k.addDevice({ careers: [c] });
    const d = await k.startDevice(id, secret);
    await eventually(async () => (await progress(id)).state === 'idle', 'idle');
    d.setBusy(60_000);
    await k.addPeople(c, 2);
    await eventually(async () => (await progress(id)).state === 'pausedBusy', 'the busy pause');
    d.corruptLocalUser({ userId: 2_000_000_003, name: 'Ghost' });
    await d.requestCheck(0);
    await eventually(async () => (await checks(id)).at(-1)?.outcome === 'ignoredPending', 'an ignored check');
    expect(await resyncRow(id)).toBeUndefined();
    d.setBusy(0);
  });
});

describe('worker restart', () => {
  it('a worker restart in the middle of a full resync ends with the device equal to the database', async () => {
    const c = career();
    await k.addPeople(c, 400);
    const { id, secret } = await k.addDevice({ careers: [] });
    // 10 ms per answer (batches of 1): one push activity (2 s budget, which a graceful shutdown lets finish)
    // sends ≤ ~200 people, so ~340 left cannot all go during the restart.
    const d = await k.startDevice(id, secret, { latencyMs: 10 });
    await eventually(async () => (await progress(id)).state === 'idle', 'idle');
    // The career is attached behind the queue's back, so only the resync brings the people.
    await k.sql(`update device set careers = ?::jsonb, model = model || '{"userSyncSize": 1}'::jsonb where id = ?`, [JSON.stringify([c]), id]);
    const from = d.userSyncLog.length;
    await k.requestResync(id);
    await eventually(async () => ((await resyncRow(id))?.sent ?? 0) >= 60, 'the resync under way');
    await k.restartWorker();
    expect((await resyncRow(id))?.state).toBe('running');
    await eventually(async () => (await resyncRow(id))?.state === 'completed', 'the resync to complete after the restart', 90_000);
    await inSync(id, d);
    expect(d.users()).toHaveLength(400);
    const log = d.userSyncLog.slice(from);
    expect(log.filter((p) => p.reset).length).toBe(1);
    expect(log[0]).toMatchObject({ reset: true, total_count: 400 });
  });
});
