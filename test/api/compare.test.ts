import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startServices, type Services } from '../helpers/services';
import { startApi, type TestApi } from '../helpers/api';
import { frontalPortrait, portrait } from '../helpers/faces';

describe('photo comparison: records photo vs the one HikCentral holds (seed 000 compare-hikdoc-est)', () => {
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

  const personWithPhoto = async (photo: Buffer): Promise<string> => {
    const ci = `77${String(Date.now()).slice(-6)}${++n}`;
    expect((await api.request('POST', '/api/persons', { body: { ci, givenName: 'Ana', familyName: 'Loor', career: 'Compare', kind: 'student' } })).status).toBe(201);
    const put = await api.request('PUT', `/api/persons/${ci}/photo`, { raw: photo, contentType: 'image/jpeg' });
    expect(put.status).toBe(200);
    // The tests reuse the few frontal sample faces: an admin approves the flagged duplicate, as in production.
    if (put.json.photo.checks.duplicateOf !== undefined) {
      expect((await api.request('POST', `/api/persons/${ci}/photo/review`, { body: { decision: 'approve' } })).status).toBe(200);
    }
    expect((await api.request('POST', `/api/persons/${ci}/sync`)).json.outcome).toBe('synced');
    return ci;
  };

  it('given the same face on both sides, should say identical with a similarity in the seed format', async () => {
    const ci = await personWithPhoto(await frontalPortrait(0));
    const r = await api.request('GET', `/biometrico/compare-hikdoc-est/${ci}`);
    expect(r.status).toBe(200);
    expect(r.json.identicas).toBe(true);
    expect(r.json.similitud).toMatch(/^\d{1,3}\.\d%$/);
    expect(parseFloat(r.json.similitud)).toBeGreaterThan(90);
    const detail = await api.request('GET', `/api/persons/${ci}/compare`);
    expect(detail.json).toMatchObject({ ci, identical: true });
    expect(detail.json.distance).toBeLessThan(0.45);
  }, 60_000);

  it('given a new records photo of someone else, not yet synced, should say different', async () => {
    const ci = await personWithPhoto(await frontalPortrait(1));
    expect((await api.request('PUT', `/api/persons/${ci}/photo`, { raw: await frontalPortrait(2), contentType: 'image/jpeg' })).status).toBe(200);
    const r = await api.request('GET', `/biometrico/compare-hikdoc-est/${ci}`);
    expect(r.json.identicas).toBe(false);
    expect(parseFloat(r.json.similitud)).toBeLessThan(90);
  }, 60_000);

  it('given a records photo with no face, should say so in an error field instead of a number', async () => {
    const ci = await personWithPhoto(await frontalPortrait(0));
    // A photo without a face is stored with its failed check (and never pushed), so it can be compared.
    const blank = await sharp({ create: { width: 600, height: 600, channels: 3, background: '#8a6' } }).jpeg().toBuffer();
    expect((await api.request('PUT', `/api/persons/${ci}/photo`, { raw: blank, contentType: 'image/jpeg' })).status).toBe(200);
    const r = await api.request('GET', `/biometrico/compare-hikdoc-est/${ci}`);
    expect(r.json).toEqual({ identicas: false, error: 'the records photo has no face' });
  }, 60_000);

  it('given a person never synced, should answer 404', async () => {
    const ci = `78${String(Date.now()).slice(-6)}`;
    await api.request('POST', '/api/persons', { body: { ci, givenName: 'B', familyName: 'C', career: 'Compare', kind: 'staff' } });
    await api.request('PUT', `/api/persons/${ci}/photo`, { raw: await portrait(3), contentType: 'image/jpeg' });
    expect((await api.request('GET', `/biometrico/compare-hikdoc-est/${ci}`)).status).toBe(404);
  }, 60_000);
});
