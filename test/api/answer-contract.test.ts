import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServices, type Services } from '../helpers/services';
import { startApi, type TestApi } from '../helpers/api';
import { addPeople, jpeg } from '../helpers/people';
import { waitFor } from '../helpers/wait';
import { terminalWithSimulator } from '../helpers/terminals';
import { fullSample } from '../helpers/zod-samples';
import { paramFixture, type RouteFixtures } from '../helpers/route-fixtures';
import { apiRoutes } from '../../src/api/api-routes';
import { isoTimestamp } from '../../src/api/answer-rows';

/**
 * What the API answers, on real services: the sync progress contract, and timestamps that are ISO 8601 with a
 * zone in every answer.
 */
let s: Services;
let api: TestApi;
let closeTerminal: () => Promise<void>;
const suffix = randomUUID().slice(0, 8);
const career = `Answers ${suffix}`;
const fx: RouteFixtures & { deviceId: string } = { deviceId: `door-${suffix}` };

const sql = async <T>(q: string, params: unknown[] = []): Promise<T[]> =>
  ((await s.orm.em.getKnex().raw(q, params as never[])) as { rows: T[] }).rows;

beforeAll(async () => {
  s = await startServices({ photos: { faceChecks: 'off' } });
  const tq = s.taskQueue();
  await s.startWorker(tq);
  api = await startApi(s, tq, { devices: { syncDefaults: {}, commandTimeoutMs: 5000 } });
});
afterAll(async () => {
  await closeTerminal?.();
  await api?.close();
  await s?.close();
});

const PROGRESS_FIELDS = ['total', 'processed', 'percent', 'current', 'counts', 'state', 'pausedUntil', 'lastError'];

describe('GET /api/syncs/:workflowId answers the progress fields in every state', () => {
  it('given a run polled while it runs and after it closes, should keep the final counts, also once Temporal forgets it', async () => {
    const people = await addPeople(s.orm, career, 6);
    const started = await api.request('POST', `/api/syncs/careers/${encodeURIComponent(career)}`, {
      body: { pacingMs: 100 },
    });
    expect(started.status).toBe(202);
    const id = encodeURIComponent(started.json.workflowId as string);
    fx.workflowId = started.json.workflowId as string;
    const seen: Array<Record<string, unknown>> = [];
    const closed = await waitFor(async () => {
      const r = await api.request('GET', `/api/syncs/${id}`);
      expect(r.status).toBe(200);
      seen.push(r.json);
      return r.json.temporalStatus === 'CLOSED' ? r.json : undefined;
    }, 'the run to close');
    for (const answer of seen) {
      expect(Object.keys(answer)).toEqual(
        expect.arrayContaining([...PROGRESS_FIELDS, 'workflowId', 'temporalStatus', 'run']),
      );
      expect(answer.counts).toEqual(
        expect.objectContaining({ synced: expect.any(Number), failed: expect.any(Number) }),
      );
    }
    expect(seen.some((a) => a.temporalStatus === 'RUNNING')).toBe(true);
    const result = await s.temporal.workflow.getHandle(started.json.workflowId as string).result();
    expect(closed).toMatchObject({
      state: 'completed',
      total: people.length,
      processed: people.length,
      percent: 100,
      current: null,
      counts: result.counts,
    });
    // Counts only grow: the last answer while running is at most the final one, never more.
    const lastRunning = seen.filter((a) => a.temporalStatus === 'RUNNING').at(-1) as { counts: Record<string, number> };
    for (const [k, v] of Object.entries(lastRunning.counts))
      expect(v).toBeLessThanOrEqual((result.counts as Record<string, number>)[k] ?? -1);

    // Past Temporal's retention the row alone answers, with the same fields: the run's row under an id Temporal never knew.
    const forgottenId = `${started.json.workflowId as string} (retained)`;
    await sql(
      `insert into sync_run (id, created_at, updated_at, workflow_id, first_run_id, kind, career, params, total, processed, counters, state, last_error, started_at, finished_at)
       select gen_random_uuid(), created_at, updated_at, ?, first_run_id || '-retained', kind, career, params, total, processed, counters, state, last_error, started_at, finished_at
       from sync_run where workflow_id = ?`,
      [forgottenId, started.json.workflowId],
    );
    const forgotten = await api.request('GET', `/api/syncs/${encodeURIComponent(forgottenId)}`);
    expect(forgotten.json.temporalStatus).toBeNull();
    const { workflowId: _a, temporalStatus: _b, run: _c, ...before } = closed;
    const { workflowId: _d, temporalStatus: _e, run: _f, ...after } = forgotten.json;
    expect(after).toEqual(before);
  });
});

/** ISO 8601 with a zone: what a client can parse without guessing. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** Anything that reads as a date and a time, whatever its form. */
const LOOKS_LIKE_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/;

function timestampsIn(value: unknown, path: string, out: Array<{ path: string; value: string }>): void {
  if (typeof value === 'string') {
    if (LOOKS_LIKE_TIMESTAMP.test(value)) out.push({ path, value });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => timestampsIn(v, `${path}.${i}`, out));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) timestampsIn(v, `${path}.${k}`, out);
  }
}

describe('every timestamp in every answer is ISO 8601 with a zone', () => {
  beforeAll(async () => {
    const [person] = await addPeople(s.orm, `${career} T`, 1);
    fx.ci = person?.ci as string;
    fx.userId = String(
      (await sql<{ user_id: number }>('select user_id from person where ci = ?', [fx.ci]))[0]?.user_id,
    );
    fx.career = `${career} T`;
    // A door and what doors report (cloud-protocol §5, §7, §13), as the gateway stores it.
    const device = await api.request('POST', '/api/devices', {
      body: { id: fx.deviceId, name: 'Answers door', careers: [fx.career] },
    });
    expect(device.status).toBe(201);
    await sql(
      `insert into access_event (device_id, user_id, user_type, access_type, access_time, mid) values (?, ?, 0, 'face', now(), 'm1')`,
      [fx.deviceId, Number(fx.userId)],
    );
    fx.captureId = (
      await sql<{ id: string }>(
        `insert into device_capture (device_id, user_id, capture_time, blob_key, bytes, content_type, mid) values (?, ?, now(), 'k', 1, 'image/jpeg', 'm2') returning id::text as id`,
        [fx.deviceId, Number(fx.userId)],
      )
    )[0]?.id as string;
    await sql(
      `insert into device_feature_error (device_id, user_id, feature_type, feature_index, status, mid) values (?, ?, 'fa', 0, 1, 'm3')`,
      [fx.deviceId, Number(fx.userId)],
    );
    await sql(
      `insert into device_check (device_id, mid, size, hash, reason, evaluated_at) values (?, 'm4', 1, 'abc', 0, now())`,
      [fx.deviceId],
    );
    await sql(`insert into device_presence (device_id, online, reason, at) values (?, true, 'connect', now())`, [
      fx.deviceId,
    ]);
    await sql(
      `insert into device_resync (device_id, run_key, reason, state, total, finished_at) values (?, 'r1', 'manual', 'completed', 0, now())`,
      [fx.deviceId],
    );
    await sql(
      `update device set last_seen_at = now(), online_changed_at = now(), door_status = 1, door_status_at = now(), busy_at = now(), capacity_full_at = now() where id = ?`,
      [fx.deviceId],
    );
    // A terminal with a finished sync and a capture (seed 002).
    const t = await terminalWithSimulator(s.orm, s.secrets, { careers: [fx.career] });
    closeTerminal = t.close;
    fx.terminalId = t.terminalId;
    expect((await api.request('POST', `/api/terminals/${t.terminalId}/sync`, { body: { mode: 'full' } })).status).toBe(
      202,
    );
    await waitFor(
      async () => (await api.request('GET', `/api/terminals/${t.terminalId}/sync`)).json?.state === 'completed',
      'the terminal sync',
    );
    fx.terminalCaptureId = randomUUID();
    await sql(
      `insert into terminal_capture (id, created_at, updated_at, terminal_id, ci, face_data_url, data) values (?, now(), now(), ?, ?, 'data:', '\\x00')`,
      [fx.terminalCaptureId, fx.terminalId, fx.ci],
    );
    // A finished photo import.
    const folder = join(s.dataDir, `import-${suffix}`);
    mkdirSync(folder);
    writeFileSync(join(folder, `${fx.ci}.jpg`), await jpeg(500, 9));
    fx.importId = (await api.request('POST', '/api/photo-imports', { body: { folder } })).json.id as string;
    await waitFor(
      async () => (await api.request('GET', `/api/photo-imports/${fx.importId}`)).json.state === 'completed',
      'the import',
    );
  });

  it('given data of every kind, should answer every GET route with ISO 8601 timestamps that carry their zone', async () => {
    const answered: string[] = [];
    const stamps: Array<{ path: string; value: string }> = [];
    for (const r of apiRoutes(api.deps).filter((x) => x.method === 'get')) {
      const url = r.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) =>
        encodeURIComponent(paramFixture(fx, r.path, name) ?? `no-fixture-for-${name}`),
      );
      // Only the query fields a route needs: filters would only narrow the answer.
      const required = r.query === undefined ? {} : (fullSample(r.query) as Record<string, string>);
      const query = Object.entries(required).filter(
        ([k]) => !r.query?.safeParse({ ...required, [k]: undefined }).success,
      );
      const res = await api.request(
        'GET',
        query.length > 0
          ? `${url}?${query.map(([k, v]) => `${k}=${encodeURIComponent(k === 'carrera_name' ? (fx.career ?? '') : v)}`).join('&')}`
          : url,
      );
      if (res.status !== 200 || res.json === null) continue;
      answered.push(r.path);
      timestampsIn(res.json, r.path, stamps);
    }
    expect(stamps.filter((t) => !ISO_WITH_ZONE.test(t.value))).toEqual([]);
    // The walk saw the answers that carry timestamps, and their timestamps.
    expect(answered).toEqual(
      expect.arrayContaining([
        '/api/events',
        '/api/events/captures',
        '/api/events/feature-errors',
        '/api/devices/:id',
        '/api/devices/:id/checks',
        '/api/devices/:id/presence',
        '/api/devices/:id/sync',
        '/api/users/:user_id',
        '/api/syncs',
        '/api/syncs/:workflowId',
        '/api/terminals/:id',
        '/api/photo-imports/:id',
      ]),
    );
    const seenAt = new Set(stamps.map((t) => t.path.replace(/\.\d+\./g, '.N.')));
    for (const p of [
      '/api/events.items.N.receivedAt',
      '/api/events.items.N.accessTime',
      '/api/devices/:id/checks.items.N.receivedAt',
      '/api/devices/:id/presence.items.N.at',
      '/api/users/:user_id.created_at',
      '/api/devices/:id/sync.resync.startedAt',
    ]) {
      expect(seenAt, p).toContain(p);
    }
  });

  it('isoTimestamp turns what PostgreSQL writes into ISO 8601 with the zone it had', () => {
    expect(isoTimestamp('2026-12-02 05:32:49.239506+00', true)).toBe('2026-12-02T05:32:49.239Z');
    expect(isoTimestamp('2026-12-02 00:02:49+05:30', true)).toBe('2026-12-01T18:32:49.000Z');
    expect(isoTimestamp('2026-12-02 05:32:49', false)).toBe('2026-12-02T05:32:49.000Z');
    expect(isoTimestamp('infinity', true)).toBe('infinity');
  });
});
