import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MikroORM } from '@mikro-orm/postgresql';
import { initOrm } from '../../src/db/orm';
import { Terminal, TerminalCapture } from '../../src/db/entities';
import {
  claimCaptureForBinding,
  freshCaptureFor,
  markCaptureBound,
  openCapture,
  recordCapturedPicture,
  withdrawCaptures,
} from '../../src/db/repositories/terminals/terminal-captures';
import { withDatabase } from '../helpers/global-setup';

/**
 * The capture attempt's state is the one decision the API, the workers and a late activity share (seed 002 steps
 * 2–3): on real PostgreSQL, whichever of a cancel and a late picture comes second finds its state gone.
 */
describe('terminal capture states (real PostgreSQL)', () => {
  const admin = () => new PgClient({ connectionString: withDatabase(inject('databaseAdminUrl'), 'postgres') });
  const dbName = `t_captures_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let orm: MikroORM;
  let terminalId: string;
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
  const url = (n: number) => `http://terminal/LOCALS/pic/web_face_enrollpic.jpg@WEB${String(n).padStart(12, '0')}`;
  const row = (id: string) => orm.em.fork().findOneOrFail(TerminalCapture, { id }, { populate: ['data'] as never });

  beforeAll(async () => {
    const a = admin();
    await a.connect();
    await a.query(`create database "${dbName}" template gatesync_template`);
    await a.end();
    orm = await initOrm(withDatabase(inject('databaseAdminUrl'), dbName));
    const t = new Terminal({
      name: 'T',
      host: '127.0.0.1',
      port: 80,
      scheme: 'http',
      username: 'admin',
      passwordSealed: 'sealed',
    });
    await orm.em.fork().persistAndFlush(t);
    terminalId = t.id;
  });
  afterAll(async () => {
    await orm?.close(true);
    const a = admin();
    await a.connect();
    await a.query(`drop database if exists "${dbName}" with (force)`);
    await a.end();
  });

  it('given a cancel before the picture arrives, should drop the picture and never offer the capture', async () => {
    const run = randomUUID();
    const id = await openCapture(orm.em.fork(), { terminalId, ci: '100', runId: run });
    expect(await withdrawCaptures(orm.em.fork(), { runId: run })).toBe(1);
    expect(await recordCapturedPicture(orm.em.fork(), { captureId: id, faceDataUrl: url(1), jpeg })).toBe(false);
    expect(await row(id)).toMatchObject({ state: 'cancelled', data: null, faceDataUrl: null });
    expect(await freshCaptureFor(orm.em.fork(), { terminalId, ci: '100', since: new Date(0) })).toBeNull();
    expect(
      await claimCaptureForBinding(orm.em.fork(), { captureId: id, terminalId, ci: '100', runId: randomUUID() }),
    ).toBeNull();
  });

  it('given a cancel after the picture arrived, should drop it and refuse to bind it', async () => {
    const run = randomUUID();
    const id = await openCapture(orm.em.fork(), { terminalId, ci: '101', runId: run });
    expect(await recordCapturedPicture(orm.em.fork(), { captureId: id, faceDataUrl: url(2), jpeg })).toBe(true);
    expect(await freshCaptureFor(orm.em.fork(), { terminalId, ci: '101', since: new Date(0) })).toBe(id);
    await withdrawCaptures(orm.em.fork(), { runId: run });
    expect(await row(id)).toMatchObject({ state: 'cancelled', data: null });
    expect(await freshCaptureFor(orm.em.fork(), { terminalId, ci: '101', since: new Date(0) })).toBeNull();
    expect(
      await claimCaptureForBinding(orm.em.fork(), { captureId: id, terminalId, ci: '101', runId: run }),
    ).toBeNull();
  });

  it('should bind a capture for its own person only, and once: another run or person cannot claim it', async () => {
    const id = await openCapture(orm.em.fork(), { terminalId, ci: '102', runId: randomUUID() });
    await recordCapturedPicture(orm.em.fork(), { captureId: id, faceDataUrl: url(3), jpeg });
    const binder = randomUUID();
    expect(
      await claimCaptureForBinding(orm.em.fork(), { captureId: id, terminalId, ci: '999', runId: binder }),
    ).toBeNull();
    expect(await claimCaptureForBinding(orm.em.fork(), { captureId: id, terminalId, ci: '102', runId: binder })).toBe(
      url(3),
    );
    expect(
      await claimCaptureForBinding(orm.em.fork(), { captureId: id, terminalId, ci: '102', runId: randomUUID() }),
    ).toBeNull();
    // A retry of the same run claims it again.
    expect(await claimCaptureForBinding(orm.em.fork(), { captureId: id, terminalId, ci: '102', runId: binder })).toBe(
      url(3),
    );
    expect(await markCaptureBound(orm.em.fork(), { captureId: id, runId: binder })).toBe(true);
    expect(await freshCaptureFor(orm.em.fork(), { terminalId, ci: '102', since: new Date(0) })).toBeNull();
  });

  it('given the run that was binding it is cancelled, should hand its person to undo and make the bind find it withdrawn', async () => {
    const id = await openCapture(orm.em.fork(), { terminalId, ci: null, runId: randomUUID() });
    await recordCapturedPicture(orm.em.fork(), { captureId: id, faceDataUrl: url(4), jpeg });
    const binder = randomUUID();
    expect(await claimCaptureForBinding(orm.em.fork(), { captureId: id, terminalId, ci: '103', runId: binder })).toBe(
      url(4),
    );
    // The API cannot reach the terminal: it leaves what is being bound to the run's own withdrawal.
    expect(await withdrawCaptures(orm.em.fork(), { runId: binder })).toBe(0);
    const undone: string[][] = [];
    expect(await withdrawCaptures(orm.em.fork(), { runId: binder }, async (cis) => void undone.push(cis))).toBe(1);
    expect(undone).toEqual([['103']]);
    expect(await markCaptureBound(orm.em.fork(), { captureId: id, runId: binder })).toBe(false);
    expect(await row(id)).toMatchObject({ state: 'cancelled', data: null });
  });

  it('given undo fails (the terminal unreachable), should leave the capture as it was, to be withdrawn on the retry', async () => {
    const id = await openCapture(orm.em.fork(), { terminalId, ci: '104', runId: randomUUID() });
    await recordCapturedPicture(orm.em.fork(), { captureId: id, faceDataUrl: url(5), jpeg });
    const binder = randomUUID();
    await claimCaptureForBinding(orm.em.fork(), { captureId: id, terminalId, ci: '104', runId: binder });
    await markCaptureBound(orm.em.fork(), { captureId: id, runId: binder });
    const unreachable = async () => {
      throw new Error('terminal unreachable');
    };
    await expect(withdrawCaptures(orm.em.fork(), { runId: binder }, unreachable)).rejects.toThrow(
      'terminal unreachable',
    );
    expect((await row(id)).state).toBe('bound');
    expect(await withdrawCaptures(orm.em.fork(), { runId: binder }, async () => undefined)).toBe(1);
    expect((await row(id)).state).toBe('cancelled');
  });
});
