import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { startServices, type Services } from '../helpers/services';
import { startApi, type TestApi } from '../helpers/api';
import { jpeg } from '../helpers/people';
import { fullSample, leavesOf, withLeaf, type LeafPath } from '../helpers/zod-samples';
import { paramFixture } from '../helpers/route-fixtures';
import { apiRoutes } from '../../src/api/api-routes';
import { createApp } from '../../src/api/app';
import { openApiPath } from '../../src/api/openapi';
import type { ApiRoute } from '../../src/api/route-registry';
import { deviceSyncWorkflowId } from '../../src/contracts';

/**
 * The API's input contract, on every route of the route table: bad input gets a 4xx naming the field, never a
 * 500, and changes no row in any table. No worker runs here: nothing a request starts can write behind its back.
 */
let s: Services;
let api: TestApi;
let taskQueue: string;
const suffix = randomUUID().slice(0, 8);
const fx = {
  career: `Walk ${suffix}`,
  ci: `77${String(Date.now()).slice(-8)}`,
  userId: '',
  deviceId: `door-${suffix}`,
  terminalId: '',
  importId: '',
  captureId: '',
  terminalCaptureId: '',
  workflowId: '',
};

const db = () => s.orm.em.getKnex();
const sql = async <T>(q: string, params: unknown[] = []): Promise<T[]> =>
  ((await db().raw(q, params as never[])) as { rows: T[] }).rows;

/** A digest of every row of every table, per table. */
async function tableDigests(): Promise<Map<string, string>> {
  const tables = await sql<{ tablename: string }>(
    `select tablename from pg_tables where schemaname = 'public' order by 1`,
  );
  const union = tables
    .map(
      (t) =>
        `select '${t.tablename}' as t, md5(coalesce(string_agg(md5(x::text), ',' order by md5(x::text)), '')) as d from "${t.tablename}" x`,
    )
    .join(' union all ');
  return new Map((await sql<{ t: string; d: string }>(union)).map((r) => [r.t, r.d]));
}

const changedTables = (a: Map<string, string>, b: Map<string, string>) =>
  [...a].filter(([t, d]) => b.get(t) !== d).map(([t]) => t);

beforeAll(async () => {
  s = await startServices({ photos: { faceChecks: 'off' } });
  taskQueue = s.taskQueue();
  // A body limit above the overlong strings, so they reach validation instead of stopping at 413.
  api = await startApi(s, taskQueue, {
    bodyLimit: '1mb',
    personSyncTimeoutMs: 2000,
    terminalWaitMs: 2000,
    devices: { syncDefaults: {}, commandTimeoutMs: 2000 },
  });
  const ok = async (method: string, path: string, body: unknown) => {
    const r = await api.request(method, path, { body });
    expect(r.status, `${method} ${path}: ${JSON.stringify(r.json)}`).toBeLessThan(300);
    return r.json as Record<string, unknown>;
  };
  await ok('POST', '/api/persons', {
    ci: fx.ci,
    givenName: 'Ana',
    familyName: 'Loor',
    career: fx.career,
    kind: 'student',
  });
  fx.userId = String((await sql<{ user_id: number }>('select user_id from person where ci = ?', [fx.ci]))[0]?.user_id);
  await ok('POST', '/api/devices', {
    id: fx.deviceId,
    name: 'Walk door',
    careers: [fx.career],
    config: { faceScore_config: { options: [{ value: '80' }] } },
  });
  fx.terminalId = (
    await ok('POST', '/api/terminals', {
      name: `Walk ${suffix}`,
      host: '127.0.0.1',
      port: 9,
      scheme: 'http',
      username: 'admin',
      password: 'x',
    })
  ).id as string;
  fx.importId = (await ok('POST', '/api/photo-imports', { folder: '.' })).id as string;
  fx.captureId = (
    await sql<{ id: string }>(
      `insert into device_capture (device_id, user_id, capture_time, blob_key, bytes, content_type, mid) values (?, 1, now(), 'walk', 4, 'image/jpeg', 'm1') returning id::text as id`,
      [fx.deviceId],
    )
  )[0]?.id as string;
  fx.terminalCaptureId = randomUUID();
  await sql(
    `insert into terminal_capture (id, created_at, updated_at, terminal_id, face_data_url) values (?, now(), now(), ?, 'data:')`,
    [fx.terminalCaptureId, fx.terminalId],
  );
  fx.workflowId = `bulk-career-sync:${fx.career}`;
  await sql(
    `insert into sync_run (id, created_at, updated_at, workflow_id, first_run_id, kind, career, params, total, processed, counters, state, started_at)
     values (gen_random_uuid(), now(), now(), ?, ?, 'bulkCareerSync', ?, '{}', 0, 0, '{"synced":0,"alreadyRegistered":0,"photoRejected":0,"failed":0}', 'completed', now())`,
    [fx.workflowId, randomUUID(), fx.career],
  );
});
afterAll(async () => {
  await api?.close();
  await s?.close();
});

const sampleOf = (schema: z.ZodType | undefined, where: string): Record<string, unknown> =>
  schema === undefined ? {} : (fullSample(schema, [where]) as Record<string, unknown>);

/** What goes in a URL (already percent-encoded): NUL, a lone surrogate as WTF-8 (`%ED%A0%80`), an overlong value. */
const BAD_IN_URL = [
  { what: 'NUL', encoded: 'a%00b', names: true },
  { what: 'a lone surrogate', encoded: 'Ana%ED%A0%80', names: true },
  { what: 'an overlong value', encoded: 'x'.repeat(8000), names: false },
];
/**
 * Out of range, for a value made of numbers (`42`, a cursor `1764650000:42`): each number made huge in turn, and
 * -1 for a single number.
 */
function outOfRange(valid: string): string[] {
  if (!/^\d+(?::\d+)*$/.test(valid)) return [];
  const runs = [...valid.matchAll(/\d+/g)];
  const out = runs.map(
    (m) => valid.slice(0, m.index) + '9999999999999999999' + valid.slice((m.index ?? 0) + m[0].length),
  );
  if (/^\d+$/.test(valid)) out.push('-1');
  return out;
}
const BAD_STRINGS = [
  { what: 'NUL', value: 'a\u0000b', names: true },
  { what: 'a lone surrogate', value: 'Ana\ud800', names: true },
  { what: 'an overlong value', value: 'x'.repeat(100_000), names: false },
];
const BAD_NUMBERS = [1e300, -1e300];

interface Case {
  what: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  /** The field a 400 must name, for NUL and lone surrogates. */
  field?: string;
}

function casesFor(r: ApiRoute): Case[] {
  const where = `${r.method.toUpperCase()} ${r.path}`;
  const params = Object.fromEntries(
    Object.entries(sampleOf(r.params, 'params')).map(([k, v]) => [
      k,
      encodeURIComponent(paramFixture(fx, r.path, k) ?? String(v)),
    ]),
  );
  const query = Object.fromEntries(
    Object.entries(sampleOf(r.query, 'query')).map(([k, v]) => [k, encodeURIComponent(String(v))]),
  );
  const body = r.body === undefined ? undefined : fullSample(r.body, ['body']);
  const cases: Case[] = [];
  for (const [part, values] of [
    ['params', params],
    ['query', query],
  ] as const) {
    for (const [name, valid] of Object.entries(values)) {
      const put = (encoded: string) =>
        part === 'params'
          ? { params: { ...params, [name]: encoded }, query }
          : { params, query: { ...query, [name]: encoded } };
      for (const bad of BAD_IN_URL) {
        // A path segment that is not UTF-8 is refused by the router itself (400 "Failed to decode param").
        const field = bad.names && !(part === 'params' && bad.what === 'a lone surrogate') ? name : undefined;
        cases.push({ what: `${where}: ${bad.what} in ${part} ${name}`, ...put(bad.encoded), body, field });
      }
      for (const n of outOfRange(decodeURIComponent(valid)))
        cases.push({ what: `${where}: ${n} in ${part} ${name}`, ...put(encodeURIComponent(n)), body });
    }
  }
  for (const leaf of leavesOf(body)) {
    const name = leaf.path.join('.');
    if (leaf.kind === 'number') {
      for (const n of BAD_NUMBERS)
        cases.push({ what: `${where}: ${n} in body ${name}`, params, query, body: withLeaf(body, leaf.path, n) });
      continue;
    }
    for (const bad of BAD_STRINGS) {
      if (leaf.kind === 'key' && !bad.names) continue;
      const path: LeafPath = leaf.kind === 'key' ? [...leaf.path.slice(0, -1), bad.value] : leaf.path;
      cases.push({
        what: `${where}: ${bad.what} in body ${leaf.kind === 'key' ? `key ${name}` : name}`,
        params,
        query,
        body: withLeaf(body, leaf.path, bad.value, leaf.kind === 'key'),
        field: bad.names ? path.join('.') : undefined,
      });
    }
  }
  return cases;
}

function urlOf(r: ApiRoute, c: Case): string {
  const path = r.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => c.params[name] ?? '');
  const q = Object.entries(c.query).map(([k, v]) => `${encodeURIComponent(k)}=${v}`);
  return q.length > 0 ? `${path}?${q.join('&')}` : path;
}

describe('every route of the route table refuses bad input with a 4xx and stores nothing', () => {
  it('given NUL, lone surrogates, overlong strings and out-of-range numbers in each param, query field and body field', async () => {
    const routes = apiRoutes(api.deps);
    const failures: string[] = [];
    let sent = 0;
    for (const r of routes) {
      const before = await tableDigests();
      for (const c of casesFor(r)) {
        const opts =
          r.rawBody !== undefined
            ? { raw: Buffer.from('not a photo or a zip'), contentType: r.rawBody.types[0] }
            : c.body !== undefined
              ? { body: c.body }
              : {};
        const res = await api.request(r.method.toUpperCase(), urlOf(r, c), opts);
        sent++;
        if (res.status < 400 || res.status >= 500) {
          failures.push(`${c.what} → ${res.status} ${JSON.stringify(res.json)?.slice(0, 200)}`);
          continue;
        }
        const issues = (res.json?.issues ?? []) as Array<{ path: string }>;
        if (c.field !== undefined && (res.status !== 400 || !issues.some((i) => i.path === c.field))) {
          failures.push(
            `${c.what} → ${res.status}, not a 400 naming ${c.field}: ${JSON.stringify(res.json)?.slice(0, 200)}`,
          );
        }
      }
      const changed = changedTables(before, await tableDigests());
      if (changed.length > 0)
        failures.push(`${r.method.toUpperCase()} ${r.path} changed rows of ${changed.join(', ')}`);
    }
    expect(failures).toEqual([]);
    // Every route was tried; most with many cases.
    expect(sent).toBeGreaterThan(routes.length * 3);
  });
});

describe('a body nested deeper than any request', () => {
  it('given 20 000 nested arrays in a field, should answer 400 naming the field, not exhaust the stack', async () => {
    const raw = `{"ci":"5550002222","givenName":${'['.repeat(20_000)}${']'.repeat(20_000)},"familyName":"B","career":"X","kind":"staff"}`;
    const res = await api.request('POST', '/api/persons', { raw, contentType: 'application/json' });
    expect(res.status).toBe(400);
    expect(res.json.issues[0].path).toMatch(/^givenName(\.0)+$/);
  });
});

/** `METHOD /path` of every route Express has mounted, walking the app's router stack. */
function mountedRoutes(): string[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const app = createApp(api.deps) as unknown as { router: { stack: Layer[] } };
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route !== undefined) {
        for (const [m, on] of Object.entries(layer.route.methods))
          if (on) out.push(`${m.toUpperCase()} ${openApiPath(layer.route.path)}`);
      } else if (layer.handle?.stack !== undefined) {
        walk(layer.handle.stack);
      }
    }
  };
  walk(app.router.stack);
  return out.sort();
}

describe('the OpenAPI document', () => {
  it('should describe exactly the mounted routes, each once', async () => {
    const doc = (await api.request('GET', '/api/openapi.json')).json as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    const mounted = mountedRoutes();
    expect(new Set(mounted).size).toBe(mounted.length);
    expect(documented).toEqual(mounted);
    // The routes the old hand-written document missed are there.
    for (const r of [
      'POST /api/devices',
      'PUT /api/devices/{id}/properties',
      'GET /api/events',
      'GET /api/events/captures/{id}/image',
      'POST /api/devices/{device_id}/start-face-capture',
    ]) {
      expect(documented).toContain(r);
    }
  });
});

describe('caller-supplied keys are looked up as own properties only', () => {
  // The check comes before the door is asked anything: a 400 here means nothing was sent.
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'given property %s, PUT properties should answer 400 "not supported by this device model"',
    async (property) => {
      const before = await tableDigests();
      const res = await api.request('PUT', `/api/devices/${fx.deviceId}/properties`, {
        body: { properties: [{ property, value: '1' }] },
      });
      expect(res.status).toBe(400);
      expect(res.json.problems).toEqual([`${property}: not supported by this device model (no ${property}_config)`]);
      expect(changedTables(before, await tableDigests())).toEqual([]);
    },
  );
});

describe('the syncs routes act only on bulk career syncs', () => {
  const signalNames = async (workflowId: string): Promise<string[]> => {
    const history = await s.temporal.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((e) =>
      e.workflowExecutionSignaledEventAttributes?.signalName
        ? [e.workflowExecutionSignaledEventAttributes.signalName]
        : [],
    );
  };

  it("given a door's device-sync workflow, should answer 404 for GET and every signal route and signal nothing", async () => {
    const workflowId = deviceSyncWorkflowId(fx.deviceId);
    expect((await s.temporal.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
    const signalsBefore = await signalNames(workflowId);
    expect((await api.request('GET', `/api/syncs/${encodeURIComponent(workflowId)}`)).status).toBe(404);
    for (const action of ['pause', 'resume', 'cancel', 'retry-failed']) {
      expect((await api.request('POST', `/api/syncs/${encodeURIComponent(workflowId)}/${action}`)).status, action).toBe(
        404,
      );
    }
    expect((await api.request('GET', `/api/syncs/${encodeURIComponent(workflowId)}/outcomes`)).status).toBe(404);
    expect(await signalNames(workflowId)).toEqual(signalsBefore);
  });

  it('given a workflow of another type under a bulk-career-sync id, should answer 404 and signal nothing', async () => {
    const workflowId = `bulk-career-sync:Other ${suffix}`;
    await s.temporal.workflow.start('syncPerson', { taskQueue, workflowId, args: [{ ci: fx.ci }] });
    expect((await api.request('GET', `/api/syncs/${encodeURIComponent(workflowId)}`)).status).toBe(404);
    expect((await api.request('POST', `/api/syncs/${encodeURIComponent(workflowId)}/pause`)).status).toBe(404);
    expect(await signalNames(workflowId)).toEqual([]);
    await s.temporal.workflow.getHandle(workflowId).terminate('test done');
  });
});

describe('concurrent writes of one record', () => {
  const concurrently = <T>(n: number, f: () => Promise<T>) => Promise.all(Array.from({ length: n }, f));
  const statuses = (rs: Array<{ status: number }>) => {
    const by: Record<number, number> = {};
    for (const r of rs) by[r.status] = (by[r.status] ?? 0) + 1;
    return by;
  };

  it('given 50 POST /api/persons with one ci, should answer one 201 and 49 409s, and store one person', async () => {
    const ci = `88${String(Date.now()).slice(-8)}`;
    const career = `Race ${randomUUID().slice(0, 8)}`;
    const rs = await concurrently(50, () =>
      api.request('POST', '/api/persons', {
        body: { ci, givenName: 'Ana', familyName: 'Loor', career, kind: 'student' },
      }),
    );
    expect(statuses(rs)).toEqual({ 201: 1, 409: 49 });
    expect(await sql('select 1 from person where ci = ?', [ci])).toHaveLength(1);
    expect(await sql('select 1 from career where name = ?', [career])).toHaveLength(1);
  });

  it('given 50 POST /api/users/ (seed 002) with one hikvision_id, should answer one 201 and 49 409s', async () => {
    const ci = `89${String(Date.now()).slice(-8)}`;
    const rs = await concurrently(50, () =>
      api.request('POST', '/api/users/', {
        body: { hikvision_id: ci, full_name: 'Ana Loor', department: `Race ${suffix}` },
      }),
    );
    expect(statuses(rs)).toEqual({ 201: 1, 409: 49 });
    expect(await sql('select 1 from person where ci = ?', [ci])).toHaveLength(1);
  });

  it('given 20 uploads of the same photo for one person at once, should store it once and answer 200 to each', async () => {
    // Photo intake runs in a photos worker. This file runs no worker on its own queue (see above), so the uploads go
    // through an API whose photos queue has a worker of its own, and nothing else does.
    const photosQueue = s.taskQueue();
    const photosWorker = await s.startWorker(photosQueue);
    const photosApi = await startApi(s, taskQueue, { queues: { ...api.deps.queues, photos: photosQueue } });
    const photo = await jpeg(600, 77);
    let rs;
    try {
      rs = await concurrently(20, () =>
        photosApi.request('PUT', `/api/persons/${fx.ci}/photo`, { raw: photo, contentType: 'image/jpeg' }),
      );
    } finally {
      await photosApi.close();
      await photosWorker.stop();
    }
    expect(statuses(rs)).toEqual({ 200: 20 });
    expect(
      await sql('select 1 from photo ph join person p on p.id = ph.person_id where p.ci = ?', [fx.ci]),
    ).toHaveLength(1);
  });

  it('given a person that cannot be stored, should leave no new career behind, so a sync of that career is still 404', async () => {
    const career = `Ghost ${randomUUID().slice(0, 8)}`;
    const dup = await api.request('POST', '/api/persons', {
      body: { ci: fx.ci, givenName: 'B', familyName: 'C', career, kind: 'staff' },
    });
    expect(dup.status).toBe(409);
    const nul = await api.request('POST', '/api/persons', {
      body: { ci: '5550001111', givenName: 'A\u0000', familyName: 'C', career, kind: 'staff' },
    });
    expect(nul.status).toBe(400);
    expect(await sql('select 1 from career where name = ?', [career])).toHaveLength(0);
    expect((await api.request('POST', `/api/syncs/careers/${encodeURIComponent(career)}`, { body: {} })).status).toBe(
      404,
    );
  });
});
