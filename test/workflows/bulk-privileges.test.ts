import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { DEFAULT_SIM_PRIVILEGE_GROUPS } from '../../src/targets/hikcentral/simulator/simulator';
import type { BulkCareerSyncInput, BulkSyncResult } from '../../src/contracts';
import { startServices, type Services } from '../helpers/services';
import { addPeople } from '../helpers/people';

const APPLY_PATH = '/visitor/v1/auth/reapplication';
const ADD_MEMBERS_PATH = '/acs/v1/privilege/group/single/addPersons';

describe('bulkCareerSync with privilege groups (real Temporal, PostgreSQL, HikCentral simulator over HTTP)', () => {
  let s: Services;

  beforeAll(async () => {
    // services.ts passes only orgs to the simulator, so its default privilege groups ('1') apply.
    s = await startServices({ settings: { privilegeGroupIds: ['1'] } });
  });
  afterAll(async () => {
    await s?.close();
  });

  const run = async (taskQueue: string, input: BulkCareerSyncInput): Promise<BulkSyncResult> =>
    (
      await s.temporal.workflow.start('bulkCareerSync', {
        taskQueue,
        workflowId: `test-bulk-priv-${randomUUID()}`,
        args: [input],
      })
    ).result();

  it('given 4 pending people, should put each into the privilege group and apply the changes once for the whole run', async () => {
    expect(DEFAULT_SIM_PRIVILEGE_GROUPS.map((g) => g.privilegeGroupId)).toContain('1');
    const tq = s.taskQueue();
    await s.startWorker(tq);
    const career = `Career ${randomUUID().slice(0, 8)}`;
    const people = await addPeople(s.orm, career, 4);
    expect(s.simulator.controls.applyRequests()).toBe(0);

    const result = await run(tq, { career, pacingMs: 0 });
    expect(result).toMatchObject({ state: 'completed', total: 4, processed: 4 });
    expect(result.counts).toEqual({ synced: 4, alreadyRegistered: 0, photoRejected: 0, failed: 0 });

    const cis = new Set(people.map((p) => p.ci));
    const hikIds = s.simulator.controls
      .persons()
      .filter((p) => cis.has(p.personCode))
      .map((p) => p.personId)
      .sort();
    expect(hikIds).toHaveLength(4);
    expect(s.simulator.controls.privilegeMembership()['1']).toEqual(hikIds);

    // One apply for the run, not one per person — and only after the last membership change.
    expect(s.simulator.controls.applyRequests()).toBe(1);
    const log = s.simulator.controls.requestLog();
    const applyAt = log.findIndex((r) => r.path === APPLY_PATH);
    const lastMembershipAt = log.map((r) => r.path).lastIndexOf(ADD_MEMBERS_PATH);
    expect(log.filter((r) => r.path === ADD_MEMBERS_PATH && r.code === '0')).toHaveLength(4);
    expect(applyAt).toBeGreaterThan(lastMembershipAt);

    // Nothing pending on a second run: nothing synced, so nothing to apply.
    const again = await run(tq, { career, pacingMs: 0 });
    expect(again).toMatchObject({ state: 'completed', total: 0, processed: 0 });
    expect(s.simulator.controls.applyRequests()).toBe(1);
    expect(s.simulator.controls.privilegeMembership()['1']).toEqual(hikIds);
  });

  it('given a single on-demand sync, should add the person to the group and apply it, since no bulk run will', async () => {
    const tq = s.taskQueue();
    await s.startWorker(tq);
    const [p] = await addPeople(s.orm, `Career ${randomUUID().slice(0, 8)}`, 1);
    const before = s.simulator.controls.applyRequests();
    const r = await s.temporal.workflow.execute('syncPerson', { taskQueue: tq, workflowId: `test-single-priv-${randomUUID()}`, args: [{ ci: p!.ci }] });
    expect(r).toMatchObject({ outcome: 'synced', joinedPrivilegeGroups: true });
    expect(s.simulator.controls.privilegeMembership()['1']).toContain(r.hikPersonId);
    expect(s.simulator.controls.applyRequests()).toBe(before + 1);
  });
});
