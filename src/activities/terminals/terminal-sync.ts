import { setTimeout as sleep } from 'node:timers/promises';
import { heartbeat } from '../heartbeat';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Photo, TerminalPersonState, type Terminal } from '../../db/entities';
import { IsapiError } from '../../targets/terminals/client/errors';
import type { IsapiClient } from '../../targets/terminals/client/client';
import type { UserInfo } from '../../targets/terminals/protocol/types';
import { renditionFor } from '../../db/repositories/photos/rendition-cache';
import { RenditionError } from '../../photos/rendition-error';
import type { PhotoPipeline } from '../../db/repositories/photos/person-photo-store';
import { isDeviceAdministrator } from '../../targets/terminals/protocol/device-administrator';
import type { TerminalOpKind, TerminalPrune, TerminalSyncCounts } from '../../contracts';
import { desiredTerminalUsers, sameUser, upsertTerminalUser, validityOf, type DesiredTerminalUser, type ValidityRule } from '../../db/repositories/terminals/terminal-users';

interface PlannedOp {
  employeeNo: string;
  op: TerminalOpKind;
}

const canUpload = (terminal: Terminal): boolean => terminal.capabilities?.faceUpload.binary === true;

/**
 * The plan of one terminal sync run, written once per run key (a retried planning finds it). Full:
 * everything on the terminal is read page by page and compared — never wiped first; a user the
 * database does not want is removed when gatesync manages it (or with prune `all`), reported as
 * drift otherwise. Incremental: compared with what gatesync last wrote (terminal_person_state).
 */
export async function planTerminalSync(
  em: EntityManager,
  input: { terminalId: string; runKey: string; mode: 'incremental' | 'full'; prune: TerminalPrune; terminal: Terminal; client: IsapiClient; rule: ValidityRule },
): Promise<{ total: number }> {
  const conn = em.getConnection();
  const [{ n }] = (await conn.execute<{ n: string }[]>('select count(*) as n from terminal_sync_op where run_key = ?', [input.runKey])) as [{ n: string }];
  if (Number(n) > 0) return { total: Number(n) };

  const desired = await desiredTerminalUsers(em, input.terminalId, input.rule);
  const states = new Map((await em.find(TerminalPersonState, { terminal: input.terminalId })).map((s) => [s.employeeNo, s]));
  const upload = canUpload(input.terminal);
  const ops: PlannedOp[] = [];
  const wantsFace = (d: DesiredTerminalUser, facesOnTerminal: number | undefined): boolean => {
    if (!upload || !d.photoUsable) return false;
    const s = states.get(d.ci);
    // A face enrolled by capture at the terminal stays; an uploaded one follows the photo version.
    if (s?.faceMethod === 'capture' && s.faceBound) return false;
    if (facesOnTerminal !== undefined && facesOnTerminal === 0) return true;
    return s?.facePhotoVersion !== d.photoVersion;
  };

  if (input.mode === 'full') {
    const onTerminal = new Map<string, UserInfo>();
    let read = 0;
    for await (const u of input.client.users({ pageSize: 30 })) {
      onTerminal.set(u.employeeNo, u);
      if (++read % 30 === 0) heartbeat({ read });
    }
    for (const d of desired) {
      const t = onTerminal.get(d.ci);
      if (t === undefined) ops.push({ employeeNo: d.ci, op: 'add' });
      else {
        if (!sameUser(t, d)) ops.push({ employeeNo: d.ci, op: 'update' });
        if (wantsFace(d, Number(t.numOfFace ?? 0))) ops.push({ employeeNo: d.ci, op: 'face' });
      }
    }
    const wanted = new Set(desired.map((d) => d.ci));
    // Device administrators are the site's, not gatesync's: never removed, not even with prune `all`.
    const unwanted = [...onTerminal.values()].filter((u) => !wanted.has(u.employeeNo) && !isDeviceAdministrator(u)).map((u) => u.employeeNo);
    const managed = input.prune === 'all' ? new Set(unwanted) : await managedEmployeeNos(em, input.terminalId, unwanted);
    // Drift last: it writes nothing, so the terminal's changes come first in the outcomes.
    for (const employeeNo of unwanted) if (managed.has(employeeNo)) ops.push({ employeeNo, op: 'remove' });
    for (const employeeNo of unwanted) if (!managed.has(employeeNo)) ops.push({ employeeNo, op: 'drift' });
  } else {
    for (const d of desired) {
      const s = states.get(d.ci);
      if (s === undefined || s.syncedName === null || s.syncedName === undefined) ops.push({ employeeNo: d.ci, op: 'add' });
      else {
        if (s.syncedName !== d.name || s.syncedValidity !== d.validity) ops.push({ employeeNo: d.ci, op: 'update' });
        if (wantsFace(d, undefined)) ops.push({ employeeNo: d.ci, op: 'face' });
      }
    }
    const wanted = new Set(desired.map((d) => d.ci));
    for (const employeeNo of states.keys()) if (!wanted.has(employeeNo)) ops.push({ employeeNo, op: 'remove' });
  }

  for (let i = 0; i < ops.length; i += 500) {
    const chunk = ops.slice(i, i + 500);
    const values = chunk.map(() => `(gen_random_uuid(), now(), now(), ?, ?, ?, ?, ?, 'pending')`).join(', ');
    const params = chunk.flatMap((o, j) => [input.runKey, i + j + 1, input.terminalId, o.employeeNo, o.op]);
    await conn.execute(
      `insert into terminal_sync_op (id, created_at, updated_at, run_key, seq, terminal_id, employee_no, op, status) values ${values}
       on conflict (run_key, seq) do nothing`,
      params,
    );
  }
  return { total: ops.length };
}

/**
 * Of these employeeNos, the ones gatesync manages on the terminal: it wrote them (terminal_person_state) or they
 * are people in its database. A guard enrolled at the terminal is neither, and a full sync leaves them be.
 */
async function managedEmployeeNos(em: EntityManager, terminalId: string, employeeNos: string[]): Promise<Set<string>> {
  if (employeeNos.length === 0) return new Set();
  const rows = await em.getConnection().execute<{ employee_no: string }[]>(
    `select e.no as employee_no from jsonb_array_elements_text(?::jsonb) as e(no)
      where exists (select 1 from terminal_person_state s where s.terminal_id = ? and s.employee_no = e.no)
         or exists (select 1 from person p where p.ci = e.no)`,
    [JSON.stringify(employeeNos), terminalId],
  );
  return new Set(rows.map((r) => r.employee_no));
}

export interface ApplyOpsResult {
  lastSeq: number;
  handled: number;
  counts: Partial<TerminalSyncCounts>;
  /** The terminal answered Device Busy: the workflow pauses, then resumes after lastSeq. */
  busy: boolean;
  retryAfterMs: number | null;
  /** No pending operation is left after lastSeq. */
  finished: boolean;
  /** When the last write left (worker clock), so the next batch keeps the pacing across the gap. */
  lastWriteAtMs: number | null;
}

interface OpRow {
  seq: number;
  employee_no: string;
  op: TerminalOpKind;
}

interface Applied {
  seq: number;
  employeeNo: string;
  status: 'done' | 'failed';
  detail: string;
  counter: keyof TerminalSyncCounts;
  /** The state to keep for this person afterwards; null removes it. */
  state: { name: string; validity: string; faceVersion?: string | null } | null | undefined;
}

/**
 * Works through the next pending operations of a run, one terminal request at a time (the client
 * queues), pausing `pacingMs` between writes. Every write is read-before-write on a retry: an add
 * that finds the user already there compares and writes only a difference, so a run resumed after a
 * crash never writes a user twice. Results are saved together at the end or before stopping.
 */
export async function applyTerminalOps(
  em: EntityManager,
  deps: { photos: PhotoPipeline },
  input: {
    rule: ValidityRule;
    terminalId: string;
    runKey: string;
    afterSeq: number;
    limit: number;
    pacingMs: number;
    lastWriteAtMs?: number | null;
    terminal: Terminal;
    client: IsapiClient;
  },
): Promise<ApplyOpsResult> {
  const conn = em.getConnection();
  const ops = await conn.execute<OpRow[]>(
    `select seq, employee_no, op from terminal_sync_op where run_key = ? and seq > ? and status = 'pending' order by seq limit ?`,
    [input.runKey, input.afterSeq, input.limit],
  );
  const wanted = new Map(
    (await desiredTerminalUsers(em, input.terminalId, input.rule, ops.map((o) => o.employee_no))).map((d) => [d.ci, d]),
  );
  const upload = canUpload(input.terminal);
  const applied: Applied[] = [];
  let lastWrite = input.lastWriteAtMs ?? 0;
  /** A write starts at least pacingMs after the previous one finished, so the terminal gets that much rest. */
  const write = async <T>(call: () => Promise<T>): Promise<T> => {
    const wait = lastWrite + input.pacingMs - Date.now();
    if (input.pacingMs > 0 && wait > 0) await sleep(wait);
    try {
      return await call();
    } finally {
      lastWrite = Date.now();
    }
  };
  const pushFace = async (ci: string, d: DesiredTerminalUser): Promise<string | null> => {
    if (!upload || !d.photoUsable || d.photoVersion === null) return null;
    const photo = await em.findOneOrFail(Photo, { person: { ci }, version: d.photoVersion });
    const jpeg = await renditionFor(em, photo, deps.photos.settings.profiles.isapi);
    await write(() => input.client.replaceFace(ci, jpeg));
    return d.photoVersion;
  };

  let result: ApplyOpsResult = {
    lastSeq: input.afterSeq,
    handled: 0,
    counts: {},
    busy: false,
    retryAfterMs: null,
    finished: ops.length < input.limit,
    lastWriteAtMs: null,
  };
  try {
    for (const op of ops) {
      const ci = op.employee_no;
      const d = wanted.get(ci);
      try {
        applied.push(await applyOne(op, d));
      } catch (e) {
        // A photo whose rendition cannot meet the terminal's rules fails its own operation, like a refusal would.
        const refused = e instanceof IsapiError && e.kind !== 'busy' && e.kind !== 'transient' && e.kind !== 'auth';
        if (!refused && !(e instanceof RenditionError)) throw e;
        applied.push({ seq: op.seq, employeeNo: ci, status: 'failed', detail: e.message, counter: 'failed', state: undefined });
      }
      result.lastSeq = op.seq;
      heartbeat({ lastSeq: op.seq });
    }
  } catch (e) {
    if (e instanceof IsapiError && e.kind === 'busy') {
      result = { ...result, busy: true, retryAfterMs: e.retryAfterMs ?? null, finished: false };
    } else {
      await save(conn, input.terminalId, input.runKey, applied);
      throw e;
    }
  }
  await save(conn, input.terminalId, input.runKey, applied);
  // Counted from the rows of this range, so an attempt that follows a failed one counts its work too.
  const rows = await conn.execute<{ outcome: keyof TerminalSyncCounts; n: string }[]>(
    `select outcome, count(*) as n from terminal_sync_op where run_key = ? and seq > ? and seq <= ? and outcome is not null group by outcome`,
    [input.runKey, input.afterSeq, result.finished ? 2 ** 31 - 1 : result.lastSeq],
  );
  for (const r of rows) result.counts[r.outcome] = Number(r.n);
  result.handled = rows.reduce((a, r) => a + Number(r.n), 0);
  result.lastWriteAtMs = lastWrite > 0 ? lastWrite : (input.lastWriteAtMs ?? null);
  return result;

  async function applyOne(op: OpRow, d: DesiredTerminalUser | undefined): Promise<Applied> {
    const ci = op.employee_no;
    const base = { seq: op.seq, employeeNo: ci, status: 'done' as const };
    if (op.op === 'drift') {
      return { ...base, detail: 'not written by gatesync and not a person in its database; left alone (prune "all" removes it)', counter: 'drift', state: undefined };
    }
    if (op.op === 'remove') {
      if (d !== undefined) return { ...base, detail: 'wanted again; kept', counter: 'unchanged', state: undefined };
      // Read before the delete (STYLE 9): the user may have become a device administrator since the plan, or an
      // incremental plan, which never reads the terminal, may name one.
      const onTerminal = await input.client.findUser(ci);
      if (onTerminal !== null && isDeviceAdministrator(onTerminal)) {
        return { ...base, detail: 'a device administrator; left alone', counter: 'unchanged', state: null };
      }
      if (onTerminal !== null) {
        await write(async () => {
          await input.client.deleteFaces([ci]);
          await input.client.deleteUsers([ci]);
        });
      }
      return { ...base, detail: onTerminal === null ? 'already gone' : 'removed', counter: onTerminal === null ? 'unchanged' : 'removed', state: null };
    }
    if (d === undefined) return { ...base, detail: 'no longer wanted on this terminal; skipped', counter: 'unchanged', state: undefined };
    const state = { name: d.name, validity: d.validity };
    if (op.op === 'face') {
      const faceVersion = await pushFace(ci, d);
      return { ...base, detail: faceVersion === null ? 'no usable photo' : 'face uploaded', counter: 'faces', state: { ...state, faceVersion } };
    }
    if (op.op === 'update') {
      await write(async () => {
        try {
          await input.client.modifyUser(d.user);
        } catch (e) {
          if (!(e instanceof IsapiError) || e.kind !== 'notFound') throw e;
          await input.client.recordUser(d.user);
        }
      });
      return { ...base, detail: 'updated', counter: 'updated', state };
    }
    // add
    const { action, existing } = await upsertTerminalUser(input.client, d, write);
    const counter: keyof TerminalSyncCounts = action;
    const detail =
      action === 'added'
        ? 'added'
        : action === 'unchanged'
          ? 'already there as wanted'
          : `updated (was ${existing === null ? 'missing' : `${existing.name} ${validityOf(existing)}`})`;
    const faceVersion = await pushFace(ci, d);
    return { ...base, detail: faceVersion === null ? detail : `${detail}, face uploaded`, counter, state: faceVersion === null ? state : { ...state, faceVersion } };
  }
}

async function save(conn: ReturnType<EntityManager['getConnection']>, terminalId: string, runKey: string, applied: Applied[]): Promise<void> {
  if (applied.length === 0) return;
  const values = applied.map(() => '(?::int, ?, ?, ?)').join(', ');
  await conn.execute(
    `update terminal_sync_op o set status = v.status, outcome = v.outcome, detail = v.detail, updated_at = now()
       from (values ${values}) as v(seq, status, outcome, detail) where o.run_key = ? and o.seq = v.seq`,
    [...applied.flatMap((a) => [a.seq, a.status, a.counter, a.detail]), runKey],
  );
  const removed = applied.filter((a) => a.state === null).map((a) => a.employeeNo);
  if (removed.length > 0) {
    await conn.execute('delete from terminal_person_state where terminal_id = ? and employee_no in (select jsonb_array_elements_text(?::jsonb))', [
      terminalId,
      JSON.stringify(removed),
    ]);
  }
  // One row per person: an update and a face of the same person in one batch merge (an upsert may not touch a row twice).
  const byPerson = new Map<string, Applied & { state: NonNullable<Applied['state']> }>();
  for (const a of applied) {
    if (a.state === null || a.state === undefined) continue;
    const prev = byPerson.get(a.employeeNo);
    const faceVersion = a.state.faceVersion ?? prev?.state.faceVersion ?? null;
    byPerson.set(a.employeeNo, { ...a, state: { ...a.state, faceVersion } });
  }
  const kept = [...byPerson.values()];
  if (kept.length > 0) {
    const rows = kept.map(() => `(gen_random_uuid(), now(), now(), ?::uuid, ?, ?, ?, ?::boolean, ?, ?, ?, now())`).join(', ');
    await conn.execute(
      `insert into terminal_person_state (id, created_at, updated_at, terminal_id, employee_no, synced_name, synced_validity, face_bound, face_method, face_photo_version, last_result, synced_at)
       values ${rows}
       on conflict (terminal_id, employee_no) do update set
         synced_name = excluded.synced_name, synced_validity = excluded.synced_validity,
         face_bound = terminal_person_state.face_bound or excluded.face_bound,
         face_method = coalesce(excluded.face_method, terminal_person_state.face_method),
         face_photo_version = coalesce(excluded.face_photo_version, terminal_person_state.face_photo_version),
         last_result = excluded.last_result, synced_at = now(), updated_at = now()`,
      kept.flatMap((a) => {
        const face = a.state.faceVersion ?? null;
        return [terminalId, a.employeeNo, a.state.name, a.state.validity, face !== null, face !== null ? 'upload' : null, face, a.counter];
      }),
    );
  }
}
