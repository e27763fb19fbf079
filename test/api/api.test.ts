import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Person } from '../../src/db/entities';
import { startServices, type Services } from '../helpers/services';
import { startApi, type TestApi } from '../helpers/api';
import sharp from 'sharp';
import { jpeg, waitFor } from '../helpers/people';

describe('HTTP API (Express + zod) on real services', () => {
  let s: Services;
  let api: TestApi;
  let ciSeq = 0;
  const nextCi = () => `${String(Date.now()).slice(-6)}${String(++ciSeq).padStart(4, '0')}`;
  const career = () => `Api ${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    // These tests use generated pictures; face checks are tested with real faces in photo-checks.test.ts.
    s = await startServices({ photos: { faceChecks: 'off' } });
    const tq = s.taskQueue();
    await s.startWorker(tq);
    api = await startApi(s, tq);
  });
  afterAll(async () => {
    await api?.close();
    await s?.close();
  });

  const createPerson = async (c: string, ci = nextCi(), photo?: Buffer) => {
    const r = await api.request('POST', '/api/persons', { body: { ci, givenName: 'Ana', familyName: 'Loor', secondFamilyName: 'Vera', career: c, kind: 'student' } });
    expect(r.status).toBe(201);
    if (photo !== undefined) {
      const p = await api.request('PUT', `/api/persons/${ci}/photo`, { raw: photo, contentType: 'image/jpeg' });
      expect(p.status).toBe(200);
    }
    return ci;
  };

  describe('auth', () => {
    it('should answer 401 without a token, with a wrong token, and on unknown routes too', async () => {
      expect((await api.request('GET', '/api/persons', { token: null })).status).toBe(401);
      expect((await api.request('GET', '/api/persons', { token: 'wrong-token-wrong-token' })).status).toBe(401);
      expect((await api.request('GET', '/biometrico/getperson-est/1234567', { token: null })).status).toBe(401);
      const r = await api.request('GET', '/nope', { token: null });
      expect(r.status).toBe(401);
      expect(r.json.error).toMatch(/token/);
    });
  });

  describe('validation stores nothing', () => {
    it('given a bad ci, should answer 400 with the zod issue and store nothing', async () => {
      const r = await api.request('POST', '/api/persons', { body: { ci: '12/34', givenName: 'A', familyName: 'B', career: 'X', kind: 'student' } });
      expect(r.status).toBe(400);
      expect(r.json.issues[0].path).toBe('ci');
      expect(await s.orm.em.fork().count(Person, { ci: '12/34' })).toBe(0);
    });

    it('given malformed JSON, should answer 400', async () => {
      const r = await api.request('POST', '/api/persons', { raw: '{"ci": "123', contentType: 'application/json' });
      expect(r.status).toBe(400);
      expect(r.json.error).toMatch(/malformed JSON/);
    });

    it('given an oversized body, should answer 413', async () => {
      const r = await api.request('POST', '/api/persons', { body: { ci: '12345678', givenName: 'x'.repeat(20_000), familyName: 'B', career: 'X', kind: 'student' } });
      expect(r.status).toBe(413);
      expect(await s.orm.em.fork().count(Person, { ci: '12345678' })).toBe(0);
    });

    it('given unknown fields or a wrong kind, should answer 400', async () => {
      expect((await api.request('POST', '/api/persons', { body: { ci: '12345679', givenName: 'A', familyName: 'B', career: 'X', kind: 'alien' } })).status).toBe(400);
      expect((await api.request('POST', '/api/persons', { body: { ci: '12345679', givenName: 'A', familyName: 'B', career: 'X', kind: 'staff', admin: true } })).status).toBe(400);
    });

    it('given a duplicate ci, should answer 409', async () => {
      const ci = await createPerson(career());
      const r = await api.request('POST', '/api/persons', { body: { ci, givenName: 'A', familyName: 'B', career: 'X', kind: 'staff' } });
      expect(r.status).toBe(409);
    });

    it('given a body that is not an image, or a truncated JPEG, should answer 400 with a reason and keep no photo', async () => {
      const ci = await createPerson(career());
      const notImage = await api.request('PUT', `/api/persons/${ci}/photo`, { raw: Buffer.from('hello'), contentType: 'image/jpeg' });
      expect(notImage.status).toBe(400);
      expect(notImage.json.reason).toBe('undecodable');
      const full = await jpeg(600, 3);
      const truncated = await api.request('PUT', `/api/persons/${ci}/photo`, { raw: full.subarray(0, full.length / 2), contentType: 'image/jpeg' });
      expect(truncated.status).toBe(400);
      const person = await api.request('GET', `/api/persons/${ci}`);
      expect(person.json.photo).toBeNull();
    });

    it('given a photo that breaks a seed rule, should store it with the reason and expose its checks', async () => {
      const ci = await createPerson(career(), nextCi(), await jpeg(300, 5));
      const checks = await api.request('GET', `/api/persons/${ci}/photo/checks`);
      expect(checks.status).toBe(200);
      expect(checks.json.passed).toBe(false);
      expect(checks.json.rules.find((r: { rule: string }) => r.rule === 'minResolution')).toMatchObject({ passed: false });
      expect((await api.request('GET', `/api/persons/${ci}`)).json.photo.checks.passed).toBe(false);
    });

    it('should accept a WebP photo, and answer 415 for a body that is not an accepted image type', async () => {
      const ci = await createPerson(career());
      const webp = await sharp({ create: { width: 500, height: 500, channels: 3, background: '#886644' } }).webp().toBuffer();
      const ok = await api.request('PUT', `/api/persons/${ci}/photo`, { raw: webp, contentType: 'image/webp' });
      expect(ok.status).toBe(200);
      expect(ok.json.photo).toMatchObject({ format: 'webp', width: 500, height: 500, checks: { passed: true } });
      const gif = await api.request('PUT', `/api/persons/${ci}/photo`, { raw: Buffer.from('GIF89a'), contentType: 'image/gif' });
      expect(gif.status).toBe(415);
      const mismatch = await api.request('PUT', `/api/persons/${ci}/photo`, { raw: webp, contentType: 'image/png' });
      expect(mismatch.status).toBe(400);
      expect(mismatch.json.reason).toBe('contentTypeMismatch');
    });

    it('given a sync of an unknown career, should answer 404', async () => {
      const r = await api.request('POST', `/api/syncs/careers/${encodeURIComponent('No Such Career')}`, { body: {} });
      expect(r.status).toBe(404);
    });

    it('given a bad pacing, should answer 400', async () => {
      const c = career();
      await createPerson(c);
      const r = await api.request('POST', `/api/syncs/careers/${encodeURIComponent(c)}`, { body: { pacingMs: -5 } });
      expect(r.status).toBe(400);
    });
  });

  describe('seed 000 routes keep their shapes and codes', () => {
    it('sync-hikdoc answers 0, then 131, and 128 for a photo HikCentral rejects', async () => {
      const c = career();
      const ci = await createPerson(c, nextCi(), await jpeg(600, 9));
      const first = await api.request('POST', `/biometrico/sync-hikdoc/${ci}`);
      expect(first.status).toBe(200);
      expect(first.json).toMatchObject({ code: '0', msg: 'Success' });
      expect(typeof first.json.data).toBe('string');
      const second = await api.request('POST', `/biometrico/sync-hikdoc/${ci}`);
      expect(second.json.code).toBe('131');
      expect((await api.request('GET', `/biometrico/getperson-est/${ci}`)).json).toEqual({ registrado: true });

      const small = await createPerson(c, nextCi(), await jpeg(300, 4));
      const rejected = await api.request('POST', `/biometrico/sync-hikdoc/${small}`);
      expect(rejected.json.code).toBe('128');
      expect((await api.request('GET', `/biometrico/getperson-est/${small}`)).json).toEqual({ registrado: false });
    });

    it('get-pending-sync-est lists pending people with the seed field names', async () => {
      const c = career();
      const ci = await createPerson(c, nextCi(), await jpeg(600, 10));
      const r = await api.request('GET', `/biometrico/get-pending-sync-est?carrera_name=${encodeURIComponent(c)}`);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ pendientes: [{ CIInfPer: ci, NombInfPer: 'Ana', ApellInfPer: 'Loor', ApellMatInfPer: 'Vera' }] });
      expect((await api.request('GET', '/biometrico/get-pending-sync-est')).status).toBe(400);
    });

    it('fotografia and gethick return the records photo and the photo HikCentral holds', async () => {
      const c = career();
      const photo = await jpeg(600, 11);
      const ci = await createPerson(c, nextCi(), photo);
      const f = await api.request('GET', `/biometrico/fotografia/${ci}`);
      expect(f.headers.get('content-type')).toMatch(/image\/jpeg/);
      // The stored photo: the upload made upright, sRGB and metadata-free, so the same picture, not the same bytes.
      const stored = await sharp(f.bytes).metadata();
      expect([stored.format, stored.width, stored.height]).toEqual(['jpeg', 600, 600]);
      expect(photo.length).toBeGreaterThan(0);
      expect((await api.request('GET', `/biometrico/gethick/${ci}`)).status).toBe(404);
      await api.request('POST', `/biometrico/sync-hikdoc/${ci}`);
      const h = await api.request('GET', `/biometrico/gethick/${ci}`);
      expect(h.status).toBe(200);
      expect(h.bytes.subarray(0, 2).toString('hex')).toBe('ffd8');
    });
  });

  describe('syncs', () => {
    it('starts one run per career, shows progress, pauses, resumes, cancels, and lists runs by state', async () => {
      const c = career();
      for (let i = 0; i < 12; i++) await createPerson(c, nextCi(), await jpeg(600, 20));
      const path = `/api/syncs/careers/${encodeURIComponent(c)}`;
      const started = await api.request('POST', path, { body: { pacingMs: 200 } });
      expect(started.status).toBe(202);
      const { workflowId, runId } = started.json;
      expect(workflowId).toBe(`bulk-career-sync:${c}`);
      const again = await api.request('POST', path, { body: {} });
      expect(again.status).toBe(409);
      expect(again.json).toMatchObject({ workflowId, runId });

      const id = encodeURIComponent(workflowId);
      await waitFor(async () => (await api.request('GET', `/api/syncs/${id}`)).json?.processed >= 1, 'progress');
      expect((await api.request('POST', `/api/syncs/${id}/pause`)).status).toBe(202);
      await waitFor(async () => (await api.request('GET', `/api/syncs/${id}`)).json.state === 'paused', 'paused');
      // The run's row follows its state a moment later (written by an activity).
      await waitFor(
        async () => (await api.request('GET', '/api/syncs?state=paused')).json.items.some((r: { workflowId: string }) => r.workflowId === workflowId),
        'the run listed as paused',
      );
      expect((await api.request('POST', `/api/syncs/${id}/resume`)).status).toBe(202);
      expect((await api.request('POST', `/api/syncs/${id}/cancel`)).status).toBe(202);
      const done = await waitFor(async () => {
        const r = await api.request('GET', `/api/syncs/${id}`);
        // The row is written by an activity before the workflow closes: wait for both, then signals are refused.
        return r.json.run?.state === 'cancelled' && r.json.temporalStatus === 'CLOSED' ? r.json : undefined;
      }, 'cancelled and closed');
      expect(done.run.processed).toBeLessThan(12);
      expect((await api.request('POST', `/api/syncs/${id}/pause`)).status).toBe(409);
      expect((await api.request('GET', '/api/syncs?state=bogus')).status).toBe(400);
      expect((await api.request('GET', `/api/syncs/${encodeURIComponent('bulk-career-sync:nothing-here')}`)).status).toBe(404);
    });

    it('POST /api/persons/:ci/sync returns the single-person outcome', async () => {
      const ci = await createPerson(career(), nextCi(), await jpeg(600, 30));
      const r = await api.request('POST', `/api/persons/${ci}/sync`);
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ ci, outcome: 'synced', action: 'added' });
      const view = await api.request('GET', `/api/persons/${ci}`);
      expect(view.json.hikcentral).toMatchObject({ registered: true, pending: false, lastResult: 'synced' });
      expect((await api.request('POST', '/api/persons/00000001/sync')).status).toBe(404);
    });

    it('lists pending people of a career', async () => {
      const c = career();
      const withPhoto = await createPerson(c, nextCi(), await jpeg(600, 40));
      await createPerson(c);
      const r = await api.request('GET', `/api/persons?career=${encodeURIComponent(c)}&pending=true`);
      expect(r.json.items.map((p: { ci: string }) => p.ci)).toEqual([withPhoto]);
    });
  });

  it('GET /api/health reports database, Temporal, worker and HikCentral', async () => {
    const r = await api.request('GET', '/api/health');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'ok', database: { ok: true }, temporal: { ok: true }, worker: { ok: true }, targets: { hikcentral: { ok: true } } });
  });

  it('serves an OpenAPI document generated from the zod schemas', async () => {
    const r = await api.request('GET', '/api/openapi.json');
    expect(r.status).toBe(200);
    expect(Object.keys(r.json.paths)).toContain('/api/syncs/careers/{career}');
    expect(Object.keys(r.json.paths)).toEqual(expect.arrayContaining(['/api/terminals/{id}/sync', '/api/users/{user_id}/sync-to-device', '/api/devices/{device_id}/start-face-capture']));
  });
});
