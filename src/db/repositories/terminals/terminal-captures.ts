import type { EntityManager } from '@mikro-orm/postgresql';
import { Terminal, TerminalCapture } from '../../entities';

/**
 * The life of a terminal capture attempt (seed 002 steps 2–3) as conditional updates: the API, the workers and an
 * activity that answers after its workflow was cancelled may all be different processes, so the row's state is the
 * one decision they share. A cancel (withdrawCaptures) and a late picture (recordCapturedPicture) race on the same
 * row; PostgreSQL's row lock orders them and whichever comes second finds the state it needs gone.
 */

type Sql = (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>;
const sqlOf =
  (em: EntityManager): Sql =>
  (sql, params) =>
    em.getConnection().execute(sql, params);

/** A new attempt, `waiting`, owned by the workflow run that captures. */
export async function openCapture(
  em: EntityManager,
  a: { terminalId: string; ci: string | null; runId: string },
): Promise<string> {
  const capture = new TerminalCapture(em.getReference(Terminal, a.terminalId, { wrapped: true }), a.ci, a.runId);
  await em.persistAndFlush(capture);
  return capture.id;
}

export async function captureState(
  em: EntityManager,
  captureId: string,
): Promise<{ state: TerminalCapture['state']; faceDataUrl: string | null } | null> {
  const rows = await sqlOf(em)('select state, face_data_url from terminal_capture where id = ?', [captureId]);
  const row = rows[0];
  return row === undefined
    ? null
    : { state: row.state as TerminalCapture['state'], faceDataUrl: (row.face_data_url as string | null) ?? null };
}

/** Keeps the picture only while the attempt still waits for it; false when it was withdrawn first. */
export async function recordCapturedPicture(
  em: EntityManager,
  a: { captureId: string; faceDataUrl: string; jpeg: Buffer },
): Promise<boolean> {
  const rows = await sqlOf(em)(
    `update terminal_capture set state = 'captured', face_data_url = ?, data = ?, updated_at = now() where id = ? and state = 'waiting' returning id`,
    [a.faceDataUrl, a.jpeg, a.captureId],
  );
  return rows.length === 1;
}

/** Nobody showed a face in time. */
export async function markCaptureFailed(em: EntityManager, captureId: string): Promise<void> {
  await sqlOf(em)(
    `update terminal_capture set state = 'failed', updated_at = now() where id = ? and state = 'waiting'`,
    [captureId],
  );
}

/**
 * Claims a captured picture for one person's bind by one enrolment run and returns its terminal URL; a retry of
 * the same run claims it again. Null when it is not there to bind: withdrawn, taken by another run, another
 * person's, or never captured.
 */
export async function claimCaptureForBinding(
  em: EntityManager,
  a: { captureId: string; terminalId: string; ci: string; runId: string },
): Promise<string | null> {
  const rows = await sqlOf(em)(
    `update terminal_capture set state = 'binding', run_id = ?, ci = ?, updated_at = now()
      where id = ? and terminal_id = ? and (ci is null or ci = ?) and face_data_url is not null
        and (state = 'captured' or (state in ('binding', 'bound') and run_id = ?))
      returning face_data_url`,
    [a.runId, a.ci, a.captureId, a.terminalId, a.ci, a.runId],
  );
  return (rows[0]?.face_data_url as string | undefined) ?? null;
}

/** The terminal bound it; false when it was withdrawn meanwhile (the caller takes the face off again). */
export async function markCaptureBound(em: EntityManager, a: { captureId: string; runId: string }): Promise<boolean> {
  const rows = await sqlOf(em)(
    `update terminal_capture set state = 'bound', bound_at = coalesce(bound_at, now()), updated_at = now()
      where id = ? and run_id = ? and state in ('binding', 'bound') returning id`,
    [a.captureId, a.runId],
  );
  return rows.length === 1;
}

/** The picture of a bound capture (to become the person's photo), or null. */
export async function boundCapturePicture(em: EntityManager, captureId: string): Promise<Buffer | null> {
  const rows = await sqlOf(em)(`select data from terminal_capture where id = ? and state = 'bound'`, [captureId]);
  const data = rows[0]?.data;
  return Buffer.isBuffer(data) ? data : null;
}

/** The newest capture sync-to-device may bind for this person: captured (never a withdrawn one), theirs or nobody's, recent. */
export async function freshCaptureFor(
  em: EntityManager,
  a: { terminalId: string; ci: string; since: Date },
): Promise<string | null> {
  const c = await em.findOne(
    TerminalCapture,
    { terminal: a.terminalId, state: 'captured', $or: [{ ci: a.ci }, { ci: null }], createdAt: { $gte: a.since } },
    { orderBy: { createdAt: 'desc' }, fields: ['id'] },
  );
  return c?.id ?? null;
}

/**
 * Withdraws what a cancelled run captured or was binding, and the captures it was given (`captureIds`, not yet
 * claimed): state `cancelled`, picture dropped. With `undoBinding`, captures the run was binding or had bound are
 * withdrawn too and `undoBinding` gets their people, inside the same transaction — a bind that finishes meanwhile
 * waits on the row lock, then finds its capture withdrawn and takes the face off itself. Without it (the API, which
 * cannot reach the terminal) only what is not on the terminal yet is withdrawn; the run's own cancellation handling
 * does the rest. Returns how many were withdrawn.
 */
export async function withdrawCaptures(
  em: EntityManager,
  a: { runId: string; captureIds?: string[] },
  undoBinding?: (cis: string[]) => Promise<void>,
): Promise<number> {
  const states = undoBinding === undefined ? ['waiting', 'captured'] : ['waiting', 'captured', 'binding', 'bound'];
  return em.fork().transactional(async (tem) => {
    const rows = await tem.getConnection().execute<Array<{ state: string; ci: string | null }>>(
      `with old as (
         select id, state, ci from terminal_capture
          where ((run_id = ? and state in (select jsonb_array_elements_text(?::jsonb)))
                 or (id in (select (jsonb_array_elements_text(?::jsonb))::uuid) and state in ('waiting', 'captured')))
          for update)
       update terminal_capture c set state = 'cancelled', data = null, updated_at = now() from old where c.id = old.id
       returning old.state, old.ci`,
      [a.runId, JSON.stringify(states), JSON.stringify(a.captureIds ?? [])],
      'all',
      tem.getTransactionContext(),
    );
    const onTerminal = [
      ...new Set(
        rows.filter((r) => r.state === 'binding' || r.state === 'bound').flatMap((r) => (r.ci === null ? [] : [r.ci])),
      ),
    ];
    if (onTerminal.length > 0 && undoBinding !== undefined) await undoBinding(onTerminal);
    return rows.length;
  });
}
