import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildStringToSign, sign, signRequest } from '../../../src/targets/hikcentral/protocol/artemis-signer';
import { HikCentralClient, type AddPersonInput } from '../../../src/targets/hikcentral/client/client';
import { HikCentralError, SIMULATOR_PHOTO_REJECTED_CODE } from '../../../src/targets/hikcentral/client/errors';
import {
  SIM_CODES,
  startHikCentralSimulator,
  type HikCentralSimulator,
} from '../../../src/targets/hikcentral/simulator/simulator';

const APP_KEY = 'test-key';
const APP_SECRET = 'test-secret-0123456789';

const jpeg = (width: number, height = width) =>
  sharp({ create: { width, height, channels: 3, background: '#c08060' } })
    .jpeg()
    .toBuffer();

/** Resolves to the HikCentralError the call threw (fails the test when it resolves). */
async function rejection(call: Promise<unknown>): Promise<HikCentralError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof HikCentralError) return err;
    throw err;
  }
  throw new Error('expected a HikCentralError');
}

let seq = 0;
const newCode = () => `T${Date.now() % 1_000_000}${seq++}`;

const tmp = mkdtempSync(join(tmpdir(), 'hcp-client-test-'));
let sim: HikCentralSimulator;
let client: HikCentralClient;
let face600: Buffer;

const person = (overrides: Partial<AddPersonInput> = {}): AddPersonInput => ({
  personCode: newCode(),
  personGivenName: 'Ana',
  personFamilyName: 'Pérez',
  orgIndexCode: '2',
  beginTime: new Date('2026-01-01T00:00:00Z'),
  endTime: '2030-12-31T23:59:59+08:00',
  remark: 'photo-v1',
  gender: 2,
  faceData: face600.toString('base64'),
  ...overrides,
});

beforeAll(async () => {
  face600 = await jpeg(600);
  sim = await startHikCentralSimulator({ appKey: APP_KEY, appSecret: APP_SECRET });
  client = new HikCentralClient({ baseUrl: sim.url, appKey: APP_KEY, appSecret: APP_SECRET, timeoutMs: 3000 });
});

afterAll(async () => {
  await client.close();
  await sim.close();
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => sim.controls.reset());

describe('HikCentralClient against the simulator', () => {
  it('should read the version and the org tree', async () => {
    expect(await client.version()).toEqual({ produceName: 'HikCentral Professional', softVersion: 'V2.1.0.0' });
    const orgs = await client.listOrgs(1, 500);
    expect(orgs.total).toBe(2);
    expect(orgs.list?.map((o) => o.orgIndexCode)).toEqual(['1', '2']);
    expect(await client.getOrg('2')).toMatchObject({ orgName: 'Students', parentOrgIndexCode: '1' });
    expect(await client.getOrg('999')).toBeNull();
  });

  it('given a new person with a face, should add it and find it by code and by id', async () => {
    const p = person();
    const personId = await client.addPerson(p);
    expect(personId).toMatch(/^\d+$/);
    const found = await client.findPersonByCode(p.personCode);
    expect(found).toMatchObject({
      personId,
      personCode: p.personCode,
      personName: 'Ana Pérez',
      remark: 'photo-v1',
      gender: 2,
      orgIndexCode: '2',
      beginTime: expect.stringMatching(/^2026-01-01T\d\d:00:00[+-]\d\d:\d\d$/),
      endTime: '2030-12-31T23:59:59+08:00',
    });
    expect(found?.personPhoto?.picUri).not.toBe('');
    expect(await client.getPersonById(personId)).toEqual(found);
  });

  it('given a taken personCode, should throw alreadyExists (131)', async () => {
    const p = person();
    await client.addPerson(p);
    const err = await rejection(client.addPerson(p));
    expect(err).toMatchObject({ kind: 'alreadyExists', code: '131', httpStatus: 200 });
  });

  it('given an unknown person, lookups should return null (128)', async () => {
    expect(await client.findPersonByCode('nobody')).toBeNull();
    expect(await client.getPersonById('987654')).toBeNull();
  });

  it('given an unknown org, should fail permanently with the resource-missing code', async () => {
    const err = await rejection(client.addPerson(person({ orgIndexCode: '77' })));
    expect(err).toMatchObject({ kind: 'permanent', code: SIM_CODES.orgMissing });
  });

  it('given a missing required field, should fail permanently with bad parameter (2)', async () => {
    const err = await rejection(client.addPerson(person({ personGivenName: '' })));
    expect(err).toMatchObject({ kind: 'permanent', code: '2' });
    expect(err.hcpMessage).toContain('personGivenName');
  });

  it('should update details, leaving the rest', async () => {
    const p = person();
    const personId = await client.addPerson(p);
    await client.updatePerson({
      personId,
      personFamilyName: 'Gómez',
      remark: 'photo-v2',
      endTime: new Date('2031-01-01T00:00:00Z'),
    });
    const after = await client.getPersonById(personId);
    expect(after).toMatchObject({
      personGivenName: 'Ana',
      personFamilyName: 'Gómez',
      personName: 'Ana Gómez',
      remark: 'photo-v2',
    });
    expect(after?.endTime).not.toBe(p.endTime);
    const err = await rejection(client.updatePerson({ personId: '424242', remark: 'x' }));
    expect(err.kind).toBe('notFound');
  });

  it('should update the face and serve it back through picture_data', async () => {
    const personId = await client.addPerson(person());
    const before = await client.getPersonById(personId);
    const newFace = await sharp({ create: { width: 480, height: 520, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    await client.updateFace(personId, newFace.toString('base64'));
    const after = await client.getPersonById(personId);
    expect(after?.personPhoto?.picUri).not.toBe(before?.personPhoto?.picUri);
    const photo = await client.fetchPersonPhoto(personId, after!.personPhoto!.picUri);
    expect(photo.equals(newFace)).toBe(true);
    expect(await sharp(photo).metadata()).toMatchObject({ format: 'jpeg', width: 480, height: 520 });
    const stale = await rejection(client.fetchPersonPhoto(personId, before!.personPhoto!.picUri));
    expect(stale.kind).toBe('notFound');
  });

  it('given a PNG face, should store it and answer picture_data as JPEG', async () => {
    const png = await sharp({ create: { width: 500, height: 500, channels: 3, background: '#101010' } })
      .png()
      .toBuffer();
    const p = person({ faceData: png.toString('base64') });
    const personId = await client.addPerson(p);
    const info = await client.getPersonById(personId);
    const photo = await client.fetchPersonPhoto(personId, info!.personPhoto!.picUri);
    expect((await sharp(photo).metadata()).format).toBe('jpeg');
  });

  describe('photo rejection', () => {
    it.each([
      ['a 100×100 JPEG', () => jpeg(100)],
      ['bytes that are not an image', async () => randomBytes(50_000)],
      [
        'a JPEG over 2 MB',
        async () => {
          const noise = await sharp(randomBytes(1400 * 1400 * 3), { raw: { width: 1400, height: 1400, channels: 3 } })
            .jpeg({ quality: 100 })
            .toBuffer();
          expect(noise.length).toBeGreaterThan(2 * 1024 * 1024);
          return noise;
        },
      ],
    ])('given %s on add, should throw photoRejected and create nobody', async (_what, make) => {
      const p = person({ faceData: (await make()).toString('base64') });
      const err = await rejection(client.addPerson(p));
      expect(err).toMatchObject({ kind: 'photoRejected', code: SIMULATOR_PHOTO_REJECTED_CODE });
      expect(err.hcpMessage).toMatch(/face picture/);
      expect(await client.findPersonByCode(p.personCode)).toBeNull();
    });

    it('given a small face on face/update, should throw photoRejected and keep the old photo', async () => {
      const personId = await client.addPerson(person());
      const before = await client.getPersonById(personId);
      const err = await rejection(client.updateFace(personId, (await jpeg(100)).toString('base64')));
      expect(err.kind).toBe('photoRejected');
      expect((await client.getPersonById(personId))?.personPhoto).toEqual(before?.personPhoto);
    });

    it('given a client without the simulator code configured, should still classify by the message wording', async () => {
      const strict = new HikCentralClient({
        baseUrl: sim.url,
        appKey: APP_KEY,
        appSecret: APP_SECRET,
        photoRejectedCodes: [],
      });
      try {
        const err = await rejection(strict.addPerson(person({ faceData: (await jpeg(120)).toString('base64') })));
        expect(err.kind).toBe('photoRejected');
      } finally {
        await strict.close();
      }
    });
  });

  it('should delete a person, and treat deleting an absent one as done', async () => {
    const p = person();
    const personId = await client.addPerson(p);
    await client.deletePerson(personId);
    expect(await client.findPersonByCode(p.personCode)).toBeNull();
    await expect(client.deletePerson(personId)).resolves.toBeUndefined();
  });

  describe('transient answers', () => {
    it('given a 429 storm, should throw transient with retryAfterMs until the storm ends', async () => {
      sim.controls.startRateLimitStorm({ requests: 2, retryAfterSeconds: 3 });
      for (let i = 0; i < 2; i++) {
        const err = await rejection(client.version());
        expect(err).toMatchObject({ kind: 'transient', httpStatus: 429, code: '0x02401009', retryAfterMs: 3000 });
      }
      await expect(client.version()).resolves.toMatchObject({ produceName: 'HikCentral Professional' });
      expect(sim.controls.counters().faults.rateLimited).toBe(2);
    });

    it('given a storm bounded by time, should end after durationMs', async () => {
      sim.controls.startRateLimitStorm({ durationMs: 150, retryAfterSeconds: 1 });
      expect((await rejection(client.version())).retryAfterMs).toBe(1000);
      await new Promise((r) => setTimeout(r, 200));
      await expect(client.version()).resolves.toBeDefined();
    });

    it('given 5xx answers, should throw transient http-5xx', async () => {
      sim.controls.setServerErrorRate(1);
      const err = await rejection(client.findPersonByCode('x'));
      expect(err.kind).toBe('transient');
      expect(err.code).toMatch(/^http-50[03]$/);
    });

    it('given code 6 (server busy), should throw transient', async () => {
      sim.controls.setBusyCodeRate(1);
      const err = await rejection(client.addPerson(person()));
      expect(err).toMatchObject({ kind: 'transient', code: '6', httpStatus: 200 });
      expect(sim.controls.persons()).toHaveLength(0);
    });

    it('given no answer within timeoutMs, should throw transient timeout', async () => {
      const impatient = new HikCentralClient({
        baseUrl: sim.url,
        appKey: APP_KEY,
        appSecret: APP_SECRET,
        timeoutMs: 200,
      });
      sim.controls.setTimeoutRate(1);
      const started = Date.now();
      try {
        const err = await rejection(impatient.version());
        expect(err).toMatchObject({ kind: 'transient', code: 'timeout' });
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        await impatient.close();
      }
      expect(sim.controls.counters().faults.timeouts).toBe(1);
    });

    it('given a held request, close() should still finish promptly and the caller sees a transient error', async () => {
      const own = await startHikCentralSimulator({ appKey: APP_KEY, appSecret: APP_SECRET });
      const patient = new HikCentralClient({
        baseUrl: own.url,
        appKey: APP_KEY,
        appSecret: APP_SECRET,
        timeoutMs: 30_000,
      });
      own.controls.setTimeoutRate(1);
      const pending = rejection(patient.version());
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      await own.close();
      expect(Date.now() - started).toBeLessThan(1000);
      expect((await pending).kind).toBe('transient');
      await patient.close();
    });

    it('given a connection refused, should throw transient network', async () => {
      const dead = new HikCentralClient({ baseUrl: 'http://127.0.0.1:1', appKey: APP_KEY, appSecret: APP_SECRET });
      try {
        expect(await rejection(dead.version())).toMatchObject({ kind: 'transient', code: 'network' });
      } finally {
        await dead.close();
      }
    });
  });

  describe('gateway authentication', () => {
    it('given a wrong secret, should throw permanent invalid signature (401)', async () => {
      const wrong = new HikCentralClient({ baseUrl: sim.url, appKey: APP_KEY, appSecret: 'not-the-secret' });
      try {
        const err = await rejection(wrong.version());
        expect(err).toMatchObject({ kind: 'permanent', code: '0x02401003', httpStatus: 401 });
      } finally {
        await wrong.close();
      }
    });

    it('given an unknown AppKey, should throw permanent partner missing (401)', async () => {
      const stranger = new HikCentralClient({ baseUrl: sim.url, appKey: 'other', appSecret: APP_SECRET });
      try {
        expect(await rejection(stranger.version())).toMatchObject({
          kind: 'permanent',
          code: '0x02401001',
          httpStatus: 401,
        });
      } finally {
        await stranger.close();
      }
    });

    const rawPost = (url: string, path: string, headers: Record<string, string>) =>
      request(`${url}${path}`, { method: 'POST', headers, body: '{}' });

    it('should accept a request signing only x-ca-key, and answer unknown API paths with code 8', async () => {
      const path = '/artemis/api/resource/v1/org/rootOrg';
      const base = { Accept: 'application/json', 'Content-Type': 'application/json', 'x-ca-key': APP_KEY };
      const signature = sign(APP_SECRET, buildStringToSign({ method: 'POST', path, headers: base }));
      const res = await rawPost(sim.url, path, {
        ...base,
        'x-ca-signature-headers': 'x-ca-key',
        'x-ca-signature': signature,
      });
      expect(await res.body.json()).toMatchObject({ code: '0', data: { orgIndexCode: '1' } });

      const unknown = '/artemis/api/ats/v1/nothing';
      const headers = signRequest({
        method: 'POST',
        path: unknown,
        headers: base,
        appKey: APP_KEY,
        appSecret: APP_SECRET,
      });
      const res2 = await rawPost(sim.url, unknown, headers);
      expect(res2.statusCode).toBe(200);
      expect(await res2.body.json()).toMatchObject({ code: '8' });
    });

    it('given the Alibaba empty-line variant, should reject it unless the simulator tolerates it', async () => {
      const tolerant = await startHikCentralSimulator({
        appKey: APP_KEY,
        appSecret: APP_SECRET,
        tolerateEmptyLineSignature: true,
      });
      try {
        const path = '/artemis/api/common/v1/version';
        const headers = { Accept: '*/*', 'Content-Type': 'application/json', 'x-ca-key': APP_KEY };
        const input = { method: 'POST', path, headers, emptyLineForAbsentHeaders: true };
        const signed = {
          ...headers,
          'x-ca-signature-headers': 'x-ca-key',
          'x-ca-signature': sign(APP_SECRET, buildStringToSign(input)),
        };
        const strictRes = await rawPost(sim.url, path, signed);
        expect(strictRes.statusCode).toBe(401);
        expect(strictRes.headers['x-ca-error-message']).toContain('Invalid Signature');
        await strictRes.body.dump();
        const tolerantRes = await rawPost(tolerant.url, path, signed);
        expect(await tolerantRes.body.json()).toMatchObject({ code: '0' });
      } finally {
        await tolerant.close();
      }
    });
  });

  it('should add persons to a privilege group and record the apply request', async () => {
    const groups = await client.listPrivilegeGroups();
    expect(groups.list?.[0]).toMatchObject({ privilegeGroupId: '1' });
    const a = await client.addPerson(person());
    const b = await client.addPerson(person());
    await client.addPersonsToPrivilegeGroup('1', [a, b]);
    await client.reapplyAuth();
    expect(sim.controls.privilegeMembership()).toEqual({ '1': [a, b].sort() });
    expect(sim.controls.applyRequests()).toBe(1);
    expect((await rejection(client.addPersonsToPrivilegeGroup('404', [a]))).kind).toBe('notFound');
  });

  it('should count accepted, effective calls per personCode and requests per path', async () => {
    const p = person();
    expect(await client.findPersonByCode(p.personCode)).toBeNull();
    const personId = await client.addPerson(p);
    await rejection(client.addPerson(p)); // 131: not effective
    await client.updatePerson({ personId, remark: 'v2' });
    await client.updateFace(personId, face600.toString('base64'));
    await client.deletePerson(personId);
    const counters = sim.controls.counters();
    expect(counters.byPersonCode[p.personCode]).toEqual({ lookup: 1, add: 1, update: 1, faceUpdate: 1, delete: 1 });
    expect(counters.byPath['/resource/v1/person/single/add']).toEqual({ received: 2, succeeded: 1 });
    const log = sim.controls.requestLog();
    expect(log.map((r) => r.path)).toEqual([
      '/resource/v1/person/personCode/personInfo',
      '/resource/v1/person/single/add',
      '/resource/v1/person/single/add',
      '/resource/v1/person/single/update',
      '/resource/v1/person/face/update',
      '/resource/v1/person/single/delete',
    ]);
    expect(log.every((r) => r.personCode === p.personCode)).toBe(true);
    expect(log.map((r) => r.code)).toEqual(['128', '0', '131', '0', '0', '0']);
  });

  it('should be steerable over /__sim/ HTTP endpoints', async () => {
    const post = (name: string, body: unknown) =>
      request(`${sim.url}/__sim/${name}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.body.json());
    await post('busy-code-rate', { rate: 1 });
    expect((await rejection(client.version())).code).toBe('6');
    await post('clear-faults', {});
    await client.version();
    const counters = (await request(`${sim.url}/__sim/counters`).then((r) => r.body.json())) as {
      faults: { busy: number };
    };
    expect(counters.faults.busy).toBe(1);
  });

  it('given a state file, should keep persons and faces across a simulator restart', async () => {
    const stateFile = join(tmp, 'nested', 'hcp-sim.json');
    const first = await startHikCentralSimulator({ appKey: APP_KEY, appSecret: APP_SECRET, stateFile });
    const c1 = new HikCentralClient({ baseUrl: first.url, appKey: APP_KEY, appSecret: APP_SECRET });
    const p = person();
    const personId = await c1.addPerson(p);
    await c1.addPersonsToPrivilegeGroup('1', [personId]);
    await c1.close();
    await first.close();
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ version: 1 });

    const second = await startHikCentralSimulator({ appKey: APP_KEY, appSecret: APP_SECRET, stateFile });
    const c2 = new HikCentralClient({ baseUrl: second.url, appKey: APP_KEY, appSecret: APP_SECRET });
    try {
      const found = await c2.findPersonByCode(p.personCode);
      expect(found?.personId).toBe(personId);
      expect((await c2.fetchPersonPhoto(personId, found!.personPhoto!.picUri)).equals(face600)).toBe(true);
      expect(second.controls.privilegeMembership()).toEqual({ '1': [personId] });
      expect(Number(await c2.addPerson(person()))).toBe(Number(personId) + 1);
    } finally {
      await c2.close();
      await second.close();
    }
  });

  it('given picture_data answered as raw JPEG bytes, should return them', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/jpeg' });
      res.end(face600);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const raw = new HikCentralClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      appKey: APP_KEY,
      appSecret: APP_SECRET,
    });
    try {
      expect((await raw.fetchPersonPhoto('1', '/pic?id=1')).equals(face600)).toBe(true);
    } finally {
      await raw.close();
      await new Promise((r) => server.close(r));
    }
  });

  const hasOpenssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasOpenssl)(
    'over HTTPS, should trust the given CA, refuse an unknown one, and honour insecureTls',
    async () => {
      const key = join(tmp, 'key.pem');
      const cert = join(tmp, 'cert.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          key,
          '-out',
          cert,
        ],
        { stdio: 'ignore' },
      );
      const secure = await startHikCentralSimulator({
        appKey: APP_KEY,
        appSecret: APP_SECRET,
        tls: { key: readFileSync(key), cert: readFileSync(cert) },
      });
      const opts = { baseUrl: secure.url, appKey: APP_KEY, appSecret: APP_SECRET };
      const trusting = new HikCentralClient({ ...opts, ca: readFileSync(cert, 'utf8') });
      const verifying = new HikCentralClient(opts);
      const insecure = new HikCentralClient({ ...opts, insecureTls: true });
      try {
        expect(secure.url).toMatch(/^https:/);
        await expect(trusting.version()).resolves.toBeDefined();
        await expect(insecure.version()).resolves.toBeDefined();
        expect(await rejection(verifying.version())).toMatchObject({ kind: 'permanent', code: 'tls' });
      } finally {
        await Promise.all([trusting.close(), verifying.close(), insecure.close()]);
        await secure.close();
      }
    },
  );
});
