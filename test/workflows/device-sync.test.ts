import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeleteEntry, type UserSyncPayload } from '../../src/targets/devices/protocol/messages';
import type { SimulatedDevice } from '../../src/targets/devices/simulator/simulator';
import { eventually, newCareer, startDeviceStack, type DeviceStack } from '../gateway/device-harness';

let k: DeviceStack;

beforeAll(async () => {
  k = await startDeviceStack();
});
afterAll(async () => {
  await k?.close();
});

const career = () => newCareer();
const ids = (d: SimulatedDevice) => d.users().map((u) => u.userId).sort((a, b) => a - b);
const entriesOf = (log: UserSyncPayload[]) => log.flatMap((p) => p.users);

const progress = (deviceId: string) => k.progress(deviceId);
const inSync = (deviceId: string, d: SimulatedDevice, timeoutMs?: number) => k.inSync(deviceId, d, timeoutMs);

describe('deviceSync: incremental push (digest §1)', () => {
  it('given people of its career, when the device connects, then it receives them in batches of user_sync_size with reset: false', async () => {
    const c = career();
    const users = await k.addPeople(c, 7);
    const { id, secret } = await k.addDevice({ careers: [c], model: { userSyncSize: 3 } });
    const d = await k.startDevice(id, secret);
    await inSync(id, d);
    expect(ids(d)).toEqual(users);
    expect(d.userSyncLog.every((p) => p.reset === false && p.total_count === undefined)).toBe(true);
    expect(Math.max(...d.userSyncLog.map((p) => p.users.length))).toBe(3);
    const sample = d.users().find((u) => u.userId === users[0]);
    expect(sample?.empno).toMatch(/^\d+$/);
    expect(sample?.dept).toBe(c);
  });

  it('folds queued changes while offline: add+delete → nothing, update+update → the last, delete carries only user_id and user_type', async () => {
    const c = career();
    const [a, b] = await k.addPeople(c, 2);
    const { id, secret } = await k.addDevice({ careers: [c], model: { userSyncSize: 10 } });
    const d = await k.startDevice(id, secret);
    await inSync(id, d);
    await d.goOffline();
    await eventually(async () => (await progress(id)).online === false, 'the workflow to see the device offline');
    const sentBefore = d.userSyncLog.length;

    const [temp] = await k.addPeople(c, 1);
    await k.sql('delete from person where user_id = ?', [temp]);
    await k.sql(`update person set given_name = 'First' where user_id = ?`, [a]);
    await k.sql(`update person set given_name = 'Last' where user_id = ?`, [a]);
    await k.sql('delete from person where user_id = ?', [b]);
    expect(d.userSyncLog.length).toBe(sentBefore);

    await d.goOnline();
    await inSync(id, d);
    const pushed = entriesOf(d.userSyncLog.slice(sentBefore));
    expect(pushed.map((e) => e.user_id).sort()).toEqual([a, b].sort());
    const upd = pushed.find((e) => e.user_id === a);
    expect(upd && !isDeleteEntry(upd) && upd.name.startsWith('Last ')).toBe(true);
    expect(pushed.find((e) => e.user_id === b)).toEqual({ user_id: b, user_type: 0, delete: true });
    expect(pushed.some((e) => e.user_id === temp)).toBe(false);
    expect(d.users().find((u) => u.userId === a)?.name.startsWith('Last ')).toBe(true);
  });

  it('re-sends the unapplied tail after a partial sync_size, then stops inserts on capacity full (code 1) but keeps deleting', async () => {
    const c = career();
    const users = await k.addPeople(c, 6);
    const { id, secret } = await k.addDevice({ careers: [c], model: { userSyncSize: 3 } });
    const d = await k.startDevice(id, secret, { model: { userCapacity: 4 } });
    await eventually(async () => {
      const [r] = await k.sql<{ full: boolean }>('select capacity_full_at is not null as full from device where id = ?', [id]);
      return r?.full === true;
    }, 'the capacity alert');
    expect(ids(d)).toEqual(users.slice(0, 4));
    // Batches: [1,2,3] → 3; [4,5,6] → 1 (room for one); the tail [5,6] again → code 1.
    const batches = d.userSyncLog.map((p) => p.users.map((u) => u.user_id));
    expect(batches.slice(0, 3)).toEqual([users.slice(0, 3), users.slice(3, 6), users.slice(4, 6)]);
    // The alert row is written inside the push activity; its counters reach the workflow with the activity's result.
    const p = await eventually(async () => {
      const q = await progress(id);
      return q.counters.capacityFull >= 1 ? q : undefined;
    }, 'the workflow to count the capacity answer');
    expect(p.counters.partial).toBeGreaterThanOrEqual(1);
    expect(p.counters.capacityFull).toBeGreaterThanOrEqual(1);

    // Deletes still go while inserts are stopped; queued inserts were dropped.
    const sent = d.userSyncLog.length;
    await k.sql('delete from person where user_id = ?', [users[0]]);
    await eventually(async () => !d.users().some((u) => u.userId === users[0]), 'the delete to reach the device');
    const after = entriesOf(d.userSyncLog.slice(sent));
    expect(after).toEqual([{ user_id: users[0], user_type: 0, delete: true }]);
    // The dropped inserts and the acknowledged delete leave nothing queued.
    await eventually(async () => {
      const [q] = await k.sql<{ n: number }>('select count(*)::int as n from device_sync_op where device_id = ?', [id]);
      return q?.n === 0;
    }, 'an empty queue');
    expect(ids(d)).toEqual(users.slice(1, 4));
  });

  it('pauses on busy (code 2) for the configured time and resumes', async () => {
    const c = career();
    const { id, secret } = await k.addDevice({ careers: [c] });
    const d = await k.startDevice(id, secret);
    await eventually(async () => (await progress(id)).state === 'idle', 'an idle workflow');
    d.setBusy(800);
    const [u] = await k.addPeople(c, 1);
    await eventually(async () => (await progress(id)).state === 'pausedBusy', 'the busy pause');
    const [row] = await k.sql<{ busy: boolean }>('select busy_at is not null as busy from device where id = ?', [id]);
    expect(row?.busy).toBe(true);
    expect(d.users()).toHaveLength(0);
    await inSync(id, d);
    expect(ids(d)).toEqual([u]);
    expect(d.counters.busyAnswers).toBeGreaterThanOrEqual(1);
    expect((await progress(id)).counters.busyPauses).toBeGreaterThanOrEqual(1);
  });

  it('re-sends with backoff when the device does not answer, until an answer arrives', async () => {
    const c = career();
    const { id, secret } = await k.addDevice({ careers: [c] });
    const d = await k.startDevice(id, secret);
    await eventually(async () => (await progress(id)).state === 'idle', 'an idle workflow');
    d.dropNextAnswers(2);
    const [u] = await k.addPeople(c, 1);
    await eventually(async () => d.counters.answersSent >= 1 && d.userSyncLog.length >= 3, 'a third push', 30_000);
    await inSync(id, d);
    expect(d.counters.answersDropped).toBe(2);
    // The same entry went three times: the answer is not guaranteed, the entry counts only once acknowledged.
    expect(d.userSyncLog.slice(0, 3).map((p) => p.users.map((x) => x.user_id))).toEqual([[u], [u], [u]]);
    const [h] = await k.sql<{ n: number }>('select count(*)::int as n from device_user where device_id = ?', [id]);
    expect(h?.n).toBe(1);
  });

  it('waits while the device is offline and continues when it is back', async () => {
    const c = career();
    const { id, secret } = await k.addDevice({ careers: [c] });
    const d = await k.startDevice(id, secret);
    await eventually(async () => (await progress(id)).state === 'idle', 'an idle workflow');
    await d.goOffline({ abrupt: true });
    await eventually(async () => (await progress(id)).online === false, 'offline');
    const users = await k.addPeople(c, 3);
    await eventually(async () => (await progress(id)).state === 'waitingOnline', 'waitingOnline');
    expect(d.userSyncLog).toHaveLength(0);
    const [pres] = await k.sql<{ n: number }>(`select count(*)::int as n from device_presence where device_id = ? and not online`, [id]);
    expect(pres?.n).toBeGreaterThanOrEqual(1);
    await d.goOnline();
    await inSync(id, d);
    expect(ids(d)).toEqual(users);
  });
});
