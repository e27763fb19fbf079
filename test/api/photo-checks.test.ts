import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startServices, type Services } from '../helpers/services';
import { startApi, type TestApi } from '../helpers/api';
import { frontalPortrait, portrait, samplePhoto } from '../helpers/faces';
import { analyseFaces } from '../../src/photos/face-analysis';
import { FaceIndexStore } from '../../src/photos/face-index-store';
import { Person } from '../../src/db/entities';

/** Face checks enforced at intake (the production default), on real faces from the face-api package. */
describe('photo checks at intake: face checks, duplicates and the push gate (real services)', () => {
  let s: Services;
  let api: TestApi;
  let n = 0;
  beforeAll(async () => {
    s = await startServices();
    const tq = s.taskQueue();
    await s.startWorker(tq);
    api = await startApi(s, tq);
  });
  afterAll(async () => {
    await api?.close();
    await s?.close();
  });

  const newPerson = async (): Promise<string> => {
    const ci = `66${String(Date.now()).slice(-6)}${++n}`;
    expect((await api.request('POST', '/api/persons', { body: { ci, givenName: 'Lucía', familyName: 'Vera', career: 'Checks', kind: 'student' } })).status).toBe(201);
    return ci;
  };
  const putPhoto = (ci: string, photo: Buffer) => api.request('PUT', `/api/persons/${ci}/photo`, { raw: photo, contentType: 'image/jpeg' });
  const rule = (checks: { rules: Array<{ rule: string; passed: boolean; detail: string }> }, name: string) => checks.rules.find((r) => r.rule === name);
  const callsFor = (ci: string) => s.simulator.controls.requestLog().filter((r) => r.personCode === ci);

  it('given a frontal face, should pass every check and push a face-centred crop to HikCentral', async () => {
    const ci = await newPerson();
    const put = await putPhoto(ci, await frontalPortrait(0));
    expect(put.status).toBe(200);
    expect(put.json.photo.checksPassed).toBe(true);
    const checks = (await api.request('GET', `/api/persons/${ci}/photo/checks`)).json;
    expect(checks.faceChecks).toBe('enforced');
    expect(checks.rules.map((r: { rule: string }) => r.rule)).toEqual([
      'format', 'minResolution', 'maxBytes', 'exactlyOneFace', 'faceSize', 'frontal', 'sharpness', 'exposure', 'duplicateFace',
    ]);
    expect(checks.rules.every((r: { passed: boolean }) => r.passed)).toBe(true);

    expect((await api.request('POST', `/api/persons/${ci}/sync`)).json.outcome).toBe('synced');
    const onHcp = s.simulator.controls.persons().find((p) => p.personCode === ci);
    expect(onHcp).toBeDefined();
    const held = (await api.request('GET', `/biometrico/gethick/${ci}`)).bytes;
    const a = await analyseFaces(held);
    expect(a.faces).toHaveLength(1);
    const f = a.faces[0]!;
    // Centred (within 10% of the middle) and large: the crop is 2.2× the face, so the face is ~45%.
    expect(Math.abs((f.box.x + f.box.width / 2) / a.width - 0.5)).toBeLessThan(0.1);
    expect(Math.max(f.box.width, f.box.height) / a.width).toBeGreaterThan(0.4);
    expect(held.length).toBeLessThanOrEqual(200 * 1024);
  }, 60_000);

  it('given a group photo, should store it with the failed check and never call HikCentral for it', async () => {
    const ci = await newPerson();
    const group = await sharp(samplePhoto(1)).resize(800).jpeg().toBuffer();
    const put = await putPhoto(ci, group);
    expect(put.status).toBe(200);
    expect(put.json.photo.checksPassed).toBe(false);
    expect(rule(put.json.photo.checks, 'exactlyOneFace')).toMatchObject({ passed: false, detail: expect.stringMatching(/\d faces found/) });
    const sync = await api.request('POST', `/api/persons/${ci}/sync`);
    expect(sync.json).toMatchObject({ outcome: 'photoRejected', code: 'PHOTO_CHECKS_FAILED' });
    expect(sync.json.message).toMatch(/exactlyOneFace/);
    expect(callsFor(ci)).toHaveLength(0);
  }, 60_000);

  it('given a head turned too far, should fail frontal with the measured angle', async () => {
    const ci = await newPerson();
    const put = await putPhoto(ci, await portrait(3));
    expect(rule(put.json.photo.checks, 'frontal')).toMatchObject({ passed: false, detail: expect.stringMatching(/^yaw -?\d+°/) });
  }, 60_000);

  it('given the same face for a second person, should flag it for review, list it, and push it only once approved', async () => {
    const first = await newPerson();
    expect((await putPhoto(first, await frontalPortrait(1))).json.photo.checksPassed).toBe(true);
    const second = await newPerson();
    // Not the same bytes: re-encoded smaller and at a lower quality, as a second scan would be.
    const again = await sharp(await frontalPortrait(1)).resize(560).jpeg({ quality: 70 }).toBuffer();
    const put = await putPhoto(second, again);
    expect(put.json.photo.checksPassed).toBe(false);
    expect(put.json.photo.checks.duplicateOf).toMatchObject({ ci: first });
    expect(rule(put.json.photo.checks, 'duplicateFace')?.detail).toMatch(new RegExp(`belongs to person ${first}`));

    const flagged = await api.request('GET', '/api/persons?failing=duplicateFace&career=Checks');
    expect(flagged.json.items.map((p: { ci: string }) => p.ci)).toEqual([second]);
    expect((await api.request('POST', `/api/persons/${second}/sync`)).json.outcome).toBe('photoRejected');
    expect(callsFor(second)).toHaveLength(0);

    expect((await api.request('POST', `/api/persons/${first}/photo/review`, { body: { decision: 'approve' } })).status).toBe(409);
    expect((await api.request('POST', `/api/persons/${second}/photo/review`, { body: { decision: 'maybe' } })).status).toBe(400);
    const approved = await api.request('POST', `/api/persons/${second}/photo/review`, { body: { decision: 'approve', note: 'twins' } });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ passed: true, duplicateOf: { ci: first }, review: { decision: 'approved', note: 'twins' } });
    expect((await api.request('POST', `/api/persons/${second}/sync`)).json.outcome).toBe('synced');
  }, 90_000);

  it('given a different person, should not flag a duplicate', async () => {
    const ci = await newPerson();
    const put = await putPhoto(ci, await frontalPortrait(2));
    expect(rule(put.json.photo.checks, 'duplicateFace')?.passed).toBe(true);
    expect(put.json.photo.checks.duplicateOf).toBeUndefined();
  }, 60_000);

  it("should keep another process's face index in step: new faces, replaced photos and deleted people", async () => {
    const other = new FaceIndexStore();
    const em = () => s.orm.em.fork();
    await other.refresh(em());
    const before = other.index.size;
    const ci = await newPerson();
    const face = await frontalPortrait(2);
    await putPhoto(ci, face);
    const a = await analyseFaces(face);
    const probe = a.faces[0]!.descriptor;
    expect((await other.nearest(em(), probe, { maxDistance: 0.3 }))?.ci).toBeDefined();
    expect(other.index.size).toBe(before + 1);
    // The photo replaced by one without a single face: the person leaves the index.
    await putPhoto(ci, await sharp(samplePhoto(1)).resize(800).jpeg().toBuffer());
    await other.refresh(em());
    expect(other.index.size).toBe(before);
    // A deleted person leaves no row to read: their face still matches in memory, is confirmed against the
    // database, found gone, and dropped, so it is never reported as a duplicate.
    const withFace = await newPerson();
    const deletedFace = await portrait(4);
    await putPhoto(withFace, deletedFace);
    const probeDeleted = (await analyseFaces(deletedFace)).faces[0]!.descriptor;
    expect((await other.nearest(em(), probeDeleted, { maxDistance: 0.3 }))?.ci).toBe(withFace);
    expect(other.index.size).toBe(before + 1);
    await em().nativeDelete(Person, { ci: withFace });
    await other.refresh(em());
    expect(other.index.size).toBe(before + 1);
    expect((await other.nearest(em(), probeDeleted, { maxDistance: 0.3 }))?.ci).not.toBe(withFace);
    expect(other.index.size).toBe(before);
  }, 90_000);
});
