import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput } from '@temporalio/worker';
import { Person, Photo } from '../../src/db/entities';
import { memoryLogger } from '../helpers/memory-log';
import { errorHandler } from '../../src/api/error-handler';
import { temporalSdkLogger } from '../../src/logging/temporal-sdk-logger';
import { driverErrorsWithoutValues } from '../../src/worker/driver-error-interceptor';
import { createPerson } from '../../src/db/repositories/person-repository';
import { startServices, type Services } from '../helpers/services';
import { jpeg } from '../helpers/people';

/**
 * Database errors provoked for real on PostgreSQL, with a photo among their bound values, reach the one error
 * handler and the loggers: answers map the caller's to 409/400, and no log line carries the bytes or the SQL.
 */
describe('database errors with binary parameters: answers, log lines and activity failures', () => {
  let s: Services;
  let server: Server;
  let url: string;
  const { logger, text: log, clear } = memoryLogger();
  let photo: Buffer;
  let person: Person;
  /** The hex of the photo's first bytes as pg and knex print them (`\xffd8ff…`). */
  let hexPrefix: string;

  const expectClean = (text: string) => {
    expect(text).not.toContain(hexPrefix);
    expect(text).not.toMatch(/ffd8ff/i);
    expect(text).not.toMatch(/insert into|values \(/i);
  };

  beforeAll(async () => {
    s = await startServices();
    photo = await jpeg(400, 3);
    hexPrefix = photo.subarray(0, 16).toString('hex');
    const em = s.orm.em.fork();
    person = await createPerson(em, {
      ci: `${Date.now()}`.slice(-10),
      givenName: 'Ana',
      familyName: 'Loor',
      career: 'Driver errors',
      kind: 'student',
    });
    const stored = new Photo({
      person: em.getReference(Person, person.id, { wrapped: true }),
      version: 'v1',
      format: 'jpeg',
      width: 400,
      height: 400,
      data: photo,
      checks: { passed: true, rules: [] } as never,
    });
    await em.persistAndFlush(stored);

    // Routes that make the database refuse a write carrying the photo; the real error handler answers.
    const app = express();
    const route = (path: string, write: () => Promise<unknown>) =>
      app.post(path, async (_req, res) => {
        await write();
        res.json({ ok: true });
      });
    route('/unique-orm', async () => {
      const fork = s.orm.em.fork();
      await fork.persistAndFlush(
        new Photo({
          person: fork.getReference(Person, person.id, { wrapped: true }),
          version: 'v1',
          format: 'jpeg',
          width: 1,
          height: 1,
          data: photo,
          checks: { passed: true, rules: [] } as never,
        }),
      );
    });
    route('/unique-raw', () =>
      s.orm.em.getKnex().raw(
        `insert into photo (id, created_at, updated_at, person_id, version, format, width, height, byte_size, data, checks_passed)
         values (gen_random_uuid(), now(), now(), ?, 'v1', 'jpeg', 1, 1, ?, ?, true)`,
        [person.id, photo.length, photo],
      ),
    );
    // The photo as text in pg's hex notation: PostgreSQL quotes it back in its message.
    route('/invalid-integer', () => s.orm.em.getKnex().raw('select ?::integer', [`\\x${photo.toString('hex')}`]));
    route('/binary-as-integer', () => s.orm.em.getKnex().raw('select ?::integer', [photo]));
    route('/out-of-range', () => s.orm.em.getKnex().raw('select ?::smallint, ?::bytea', [99999, photo]));
    route('/not-null', () =>
      s.orm.em.getKnex().raw(
        `insert into photo (id, created_at, updated_at, person_id, version, format, width, height, byte_size, data)
         values (gen_random_uuid(), now(), now(), null, 'v2', 'jpeg', 1, 1, 1, ?)`,
        [photo],
      ),
    );
    app.use(errorHandler(logger));
    server = await new Promise((ok) => {
      const srv = app.listen(0, '127.0.0.1', () => ok(srv));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await s?.close();
  });
  beforeEach(clear);

  const post = async (path: string) => {
    const r = await fetch(url + path, { method: 'POST' });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };

  it('given a unique violation through MikroORM, should answer 409 naming the constraint in words and log no bytes', async () => {
    const r = await post('/unique-orm');
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({
      reason: 'alreadyExists',
      constraint: 'photo_person_id_version_unique',
      error: 'a photo with the same person and version already exists',
    });
    expect(JSON.stringify(r.json)).not.toContain(person.id);
    expect(log()).toContain('"code":"23505"');
    expect(log()).toContain('"constraint":"photo_person_id_version_unique"');
    expectClean(log());
  });

  it('given a unique violation from a knex raw query (pg error, code 23505), should answer 409 and log no bytes', async () => {
    const r = await post('/unique-raw');
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({ reason: 'alreadyExists', constraint: 'photo_person_id_version_unique' });
    expect(log()).toContain('"table":"photo"');
    expectClean(log());
  });

  it('given a value PostgreSQL quotes in its own message (22P02, the photo as an integer), should answer 400 and log no bytes', async () => {
    const r = await post('/invalid-integer');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ reason: 'invalidTextRepresentation' });
    expect(JSON.stringify(r.json)).not.toMatch(/ffd8/i);
    expectClean(log());
  });

  it("given bytes bound where an integer belongs (22P03: gatesync's mistake, not the caller's), should answer 500 and log no bytes", async () => {
    const r = await post('/binary-as-integer');
    expect(r.status).toBe(500);
    expect(log()).toContain('"code":"22P03"');
    expectClean(log());
  });

  it('given a number out of range (22003), should answer 400', async () => {
    const r = await post('/out-of-range');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ reason: 'numericOutOfRange' });
    expect(JSON.stringify(r.json)).not.toContain('99999');
    expectClean(log());
  });

  it("given a database error that is not the caller's (23502), should answer 500 and log its code, table and column, but no bytes", async () => {
    const r = await post('/not-null');
    expect(r.status).toBe(500);
    expect(log()).toContain('unhandled API error');
    expect(log()).toContain('"code":"23502"');
    expect(log()).toContain('"column":"person_id"');
    expectClean(log());
  });

  it('given the SDK logging "Activity failed" with a database error, or a caller logging the error alone, should log no bytes', async () => {
    const err = await s.orm.em
      .getKnex()
      .raw('select ?::integer', [`\\x${photo.toString('hex')}`])
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    expect(err).toBeInstanceOf(Error);
    temporalSdkLogger(logger).warn('Activity failed', { error: err, activityType: 'storePhoto' });
    logger.error(err as Error);
    logger.warn({ err: (err as Error).message }, 'message only');
    logger.info({ payload: { photo, note: 'x'.repeat(5000) } }, 'bytes and a long string');
    const text = log();
    expect(text).toContain('Activity failed');
    expect(text).toContain('[binary, ');
    expect(text).not.toContain('x'.repeat(600));
    expectClean(text);
  });

  it('given an activity that throws a database error, should fail with a value-free ApplicationFailure of the same type', async () => {
    const inbound = driverErrorsWithoutValues({} as never).inbound;
    const input = { args: [], headers: {} } as unknown as ActivityExecuteInput;
    const failure = await inbound
      ?.execute?.(input, () => s.orm.em.getKnex().raw('select ?::integer', [`\\x${photo.toString('hex')}`]))
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const f = failure as ApplicationFailure;
    expect(f.type).toBe('DatabaseError');
    expect(f.nonRetryable).toBe(false);
    expect(`${f.message}\n${f.stack ?? ''}`).not.toMatch(/ffd8|\\x/i);
  });
});
