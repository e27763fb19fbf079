import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { HikCentralPersonState, Person, Photo } from '../../src/db/entities';
import type { SyncPersonResult } from '../../src/contracts';
import { startServices, type RunningWorker, type Services } from '../helpers/services';
import { addPeople, jpeg, noiseJpeg, setPhoto } from '../helpers/people';
import { smallFacePortrait400 } from '../helpers/faces';
import { storePersonPhoto } from '../../src/db/repositories/photos/person-photo-store';
import { syncPersonToHikCentral } from '../../src/activities/hikcentral/person-sync';
import { PHOTO_RENDITION_FAILED } from '../../src/photos/rendition-error';

describe('syncPerson workflow (real Temporal, PostgreSQL, HikCentral simulator over HTTP)', () => {
  let s: Services;
  let taskQueue: string;
  let worker: RunningWorker;

  beforeAll(async () => {
    s = await startServices();
    taskQueue = s.taskQueue();
    worker = await s.startWorker(taskQueue);
  });
  afterAll(async () => {
    await s?.close();
  });

  const run = (ci: string): Promise<SyncPersonResult> =>
    s.temporal.workflow.execute('syncPerson', { taskQueue, workflowId: `test-sync-person-${randomUUID()}`, args: [{ ci }] });

  it('given an unregistered person, when synced, should add them with the face and the photo version in remark', async () => {
    const [p] = await addPeople(s.orm, 'Civil', 1);
    const result = await run(p!.ci);
    expect(result).toMatchObject({ ci: p!.ci, outcome: 'synced', action: 'added', code: '0' });
    const remote = await s.hikcentral.findPersonByCode(p!.ci);
    const person = await s.orm.em.fork().findOneOrFail(Person, { ci: p!.ci });
    expect(remote?.remark).toBe(person.photoVersion);
    expect(remote?.personId).toBe(result.hikPersonId);
    const state = await s.orm.em.fork().findOneOrFail(HikCentralPersonState, { person: { ci: p!.ci } });
    expect(state).toMatchObject({ hikPersonId: result.hikPersonId, syncedPhotoVersion: person.photoVersion, lastResult: 'synced' });
    expect(s.simulator.controls.counters().byPersonCode[p!.ci]?.add).toBe(1);
  });

  it('given a registered, unchanged person, when synced again, should report already registered and write nothing', async () => {
    const [p] = await addPeople(s.orm, 'Civil', 1);
    await run(p!.ci);
    const again = await run(p!.ci);
    expect(again).toMatchObject({ outcome: 'alreadyRegistered', action: 'none' });
    const c = s.simulator.controls.counters().byPersonCode[p!.ci];
    expect(c?.add).toBe(1);
    expect(c?.faceUpdate ?? 0).toBe(0);
    expect(c?.update ?? 0).toBe(0);
  });

  it('given a new photo, when synced, should update the face and the remark, keeping the personId', async () => {
    const [p] = await addPeople(s.orm, 'Civil', 1);
    const first = await run(p!.ci);
    const version = await setPhoto(s.orm, p!.ci, await jpeg(520, 77));
    const second = await run(p!.ci);
    expect(second).toMatchObject({ outcome: 'synced', action: 'faceUpdated', hikPersonId: first.hikPersonId });
    expect((await s.hikcentral.findPersonByCode(p!.ci))?.remark).toBe(version);
    expect(s.simulator.controls.counters().byPersonCode[p!.ci]).toMatchObject({ add: 1, faceUpdate: 1 });
  });

  it('given a photo under 400×400, should reject it before HikCentral, record why, and not retry it', async () => {
    const [p] = await addPeople(s.orm, 'Civil', 1, { small: [0] });
    const result = await run(p!.ci);
    expect(result).toMatchObject({ outcome: 'photoRejected', code: 'PHOTO_CHECKS_FAILED' });
    expect(result.message).toMatch(/minResolution: 300×300/);
    // HikCentral never heard of this person: not even a lookup.
    expect(s.simulator.controls.counters().byPersonCode[p!.ci]).toBeUndefined();
    const state = await s.orm.em.fork().findOneOrFail(HikCentralPersonState, { person: { ci: p!.ci } });
    expect(state).toMatchObject({ lastResult: 'photoRejected', lastCode: 'PHOTO_CHECKS_FAILED' });
    expect(state.hikPersonId ?? null).toBeNull();
  });

  it('given a photo HikCentral itself refuses, should record the rejection with its code and not retry it', async () => {
    const [p] = await addPeople(s.orm, 'Civil', 1);
    // gatesync's checks pass; the simulator refuses the face (as a real HCP may, for reasons of its own).
    const photo = await s.orm.em.fork().findOneOrFail(Photo, { person: { ci: p!.ci } });
    expect(photo.checksPassed).toBe(true);
    s.simulator.controls.refuseFacesOf([p!.ci]);
    const addsBefore = s.simulator.controls.counters().byPath['/resource/v1/person/single/add']?.received ?? 0;
    const result = await run(p!.ci);
    expect(result).toMatchObject({ outcome: 'photoRejected', code: '0x1f000001' });
    expect(result.message).toMatch(/face picture/);
    // Exactly one add reached HikCentral: Temporal did not retry a rejected photo.
    expect(s.simulator.controls.counters().byPath['/resource/v1/person/single/add']?.received).toBe(addsBefore + 1);
    expect(await s.hikcentral.findPersonByCode(p!.ci)).toBeNull();
  });

  it('given exactly 400×400 with a small face that passed every check, should push a face HikCentral accepts', async () => {
    const [p] = await addPeople(s.orm, 'Civil', 1, { noPhoto: [0] });
    const em = s.orm.em.fork();
    const person = await em.findOneOrFail(Person, { ci: p!.ci });
    const { photo } = await storePersonPhoto(em, s.photos, person, await smallFacePortrait400());
    expect(photo.checksPassed).toBe(true);
    const result = await run(p!.ci);
    expect(result).toMatchObject({ outcome: 'synced', action: 'added', code: '0' });
    // The simulator enforces seed 000's rules (JPEG/PNG, ≥400×400, ≤2 MB) on what it is sent.
    const face = s.simulator.controls.persons().find((q) => q.personCode === p!.ci)?.face;
    expect(face).toMatchObject({ width: 400, height: 400, format: 'jpeg' });
  });

  it('given a photo no rendition of which meets the HikCentral profile, should report it as the photo’s problem', async () => {
    const [p] = await addPeople(s.orm, 'Civil', 1, { noPhoto: [0] });
    // Random pixels: at the smallest size and lowest quality still far above a 10 KB limit.
    await setPhoto(s.orm, p!.ci, await noiseJpeg(800));
    const tight = { ...s.settings, photoProfile: { ...s.settings.photoProfile, maxBytes: 10 * 1024 } };
    const result = await syncPersonToHikCentral(s.orm.em.fork(), s.hikcentral, tight, p!.ci);
    expect(result).toMatchObject({ outcome: 'photoRejected', action: 'rejected', code: PHOTO_RENDITION_FAILED });
    expect(result.message).toMatch(/KB is above 10 KB/);
    const calls = s.simulator.controls.counters().byPersonCode[p!.ci];
    expect(calls?.add ?? 0).toBe(0);
    expect(calls?.faceUpdate ?? 0).toBe(0);
    const state = await s.orm.em.fork().findOneOrFail(HikCentralPersonState, { person: { ci: p!.ci } });
    expect(state).toMatchObject({ lastResult: 'photoRejected', lastCode: PHOTO_RENDITION_FAILED });
  });

  it('given a person already on HikCentral but unknown to gatesync, when synced, should reconcile by personCode instead of failing', async () => {
    const [p] = await addPeople(s.orm, 'Civil', 1);
    const personId = await s.hikcentral.addPerson({
      personCode: p!.ci,
      personGivenName: 'Given0',
      personFamilyName: 'Family Second',
      orgIndexCode: '2',
      beginTime: '2026-01-01T00:00:00+00:00',
      endTime: '2030-01-01T00:00:00+00:00',
      remark: 'older-version',
      faceData: (await jpeg(480, 5)).toString('base64'),
    });
    const result = await run(p!.ci);
    expect(result).toMatchObject({ outcome: 'synced', action: 'faceUpdated', hikPersonId: personId });
  });

  it('given an unknown ci, should fail as not found without calling HikCentral', async () => {
    const result = await run('99999999');
    expect(result).toMatchObject({ outcome: 'failed', code: 'PersonNotFound' });
    expect(s.simulator.controls.counters().byPersonCode['99999999']).toBeUndefined();
    expect(worker).toBeDefined();
  });
});
