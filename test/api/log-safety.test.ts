import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { Person, Photo } from '../../src/db/entities';
import { memoryLogger } from '../helpers/memory-log';
import { startServices, type Services } from '../helpers/services';
import { startApi, type TestApi } from '../helpers/api';
import { jpeg } from '../helpers/people';

/** What no log line may carry: photo bytes as hex, SQL with its values. */
function expectNoBytesOrSql(log: string): void {
  expect(log).not.toMatch(/\\\\x|\\x[0-9a-f]{4}/i);
  expect(log).not.toMatch(/ffd8ff/i);
  expect(log).not.toMatch(/insert into/i);
  expect(log).not.toMatch(/values \(/i);
}

describe('the API under concurrent writes and hostile requests: answers and log lines', () => {
  let s: Services;
  let api: TestApi;
  const log = memoryLogger();
  let seq = 0;
  const nextCi = () => `${String(Date.now()).slice(-6)}${String(++seq).padStart(4, '0')}`;

  beforeAll(async () => {
    s = await startServices({ photos: { faceChecks: 'off' } });
    const tq = s.taskQueue();
    await s.startWorker(tq);
    api = await startApi(s, tq, { logger: log.logger });
  });
  afterAll(async () => {
    await api?.close();
    await s?.close();
  });
  beforeEach(() => log.clear());

  const newPerson = async (fields: Record<string, string> = {}) => {
    const ci = nextCi();
    const body = { ci, givenName: 'Ana', familyName: 'Loor', career: 'Logs', kind: 'student', ...fields };
    const r = await api.request('POST', '/api/persons', { body });
    return { ci, status: r.status as number, json: r.json };
  };

  it('given one photo uploaded 8 times at once, should answer each 200 or 409 (never 500), store one version, and log no photo bytes', async () => {
    const { ci, status } = await newPerson();
    expect(status).toBe(201);
    const photo = await jpeg(500, 7);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.request('PUT', `/api/persons/${ci}/photo`, { raw: photo, contentType: 'image/jpeg' }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(
      statuses.filter((c) => c !== 200 && c !== 409),
      `statuses ${statuses.join(',')}`,
    ).toEqual([]);
    expect(statuses).toContain(200);
    const em = s.orm.em.fork();
    const person = await em.findOneOrFail(Person, { ci });
    expect(await em.count(Photo, { person })).toBe(1);
    expect(person.photoVersion).toBe((await em.findOneOrFail(Photo, { person })).version);
    // Stored with its checks as a JSON object (the lists of failing photos query into it).
    const [row] = await em
      .getConnection()
      .execute<{ type: string }[]>("select jsonb_typeof(checks -> 'rules') as type from photo where person_id = ?", [
        person.id,
      ]);
    expect(row?.type).toBe('array');
    expectNoBytesOrSql(log.text());
  });

  // PostgreSQL refuses a NUL in text at the protocol level (08P01): the driver's message carries the whole insert.
  it('given a value the database refuses (a NUL in a name), should store nothing and log neither the body nor the SQL', async () => {
    const r = await newPerson({ givenName: 'Ana\u0000', familyName: 'BodyMarkerLoor' });
    expect(r.status).not.toBe(201);
    expect(await s.orm.em.fork().count(Person, { ci: r.ci })).toBe(0);
    const text = log.text();
    expect(text).toContain('"url":"/api/persons"');
    expect(text).not.toContain('BodyMarkerLoor');
    expect(text).not.toContain(r.ci);
    expectNoBytesOrSql(text);
  });

  it('given a query value the database refuses (a NUL), should log neither the query string nor the SQL', async () => {
    const r = await api.request('GET', '/api/persons?career=Query%00MarkerValue');
    expect(r.status).not.toBe(200);
    const text = log.text();
    expect(text).toContain('"url":"/api/persons"');
    expect(text).not.toContain('MarkerValue');
    expectNoBytesOrSql(text);
  });

  it('given secrets in X-Api-Key, Cookie, Proxy-Authorization and the query string, should log none of them', async () => {
    const secrets = ['apikey-5f1c2e9a', 'cookie-7d3b9e01', 'proxy-2a8c4f66', 'query-9e4d1b73'];
    const res = await fetch(`${api.url}/api/persons?limit=1&secret=${secrets[3]}`, {
      headers: {
        authorization: 'Bearer test-token-0123456789abcdef',
        'x-api-key': secrets[0] as string,
        cookie: `session=${secrets[1]}`,
        'proxy-authorization': `Basic ${secrets[2]}`,
        'user-agent': 'log-safety-test',
      },
    });
    await res.arrayBuffer();
    const text = log.text();
    // The request was logged (by path, with its allowed headers), so the test can see what a line holds.
    expect(text).toContain('log-safety-test');
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toContain('test-token-0123456789abcdef');
  });

  it('given an uploaded zip of photos, should keep it owner-only (file 0600, folder 0700)', async () => {
    const zip = new yazl.ZipFile();
    zip.addBuffer(await jpeg(500, 9), `${nextCi()}.jpg`);
    zip.end();
    const chunks: Buffer[] = [];
    for await (const c of zip.outputStream) chunks.push(c as Buffer);
    const r = await api.request('POST', '/api/photo-imports/zip', {
      raw: Buffer.concat(chunks),
      contentType: 'application/zip',
    });
    expect(r.status).toBe(202);
    const dir = join(s.dataDir, 'imports');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const zips = readdirSync(dir);
    expect(zips.length).toBeGreaterThan(0);
    for (const f of zips) expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
  });
});
