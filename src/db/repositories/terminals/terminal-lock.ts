import { AsyncLocalStorage } from 'node:async_hooks';
import { knex, type EntityManager, type Knex } from '@mikro-orm/postgresql';

/**
 * Connections kept for terminal locks, apart from the ORM's pool. A held lock keeps its connection for a whole
 * activity, and the activity queries the database meanwhile: from one pool, a few activities holding locks could
 * take every connection and then wait for one forever. One connection per terminal this process is working on (the
 * local queue below keeps it at one); as many as the terminal worker runs activities by default.
 */
const LOCK_CONNECTIONS = 50;

/** While waiting for a terminal, `whileWaiting` is called this often (activities heartbeat through it). */
const WAITING_BEAT_MS = 1_000;

export interface HoldOptions {
  /** Called every second while another holder has the terminal: an activity heartbeats, or it would time out. */
  whileWaiting?: () => void;
  /** A cancelled caller stops waiting at once; the lock, if it comes, is let go without `work` running. */
  signal?: AbortSignal;
}

/**
 * Terminals' PostgreSQL advisory locks: every worker process that talks to a terminal holds its lock while it
 * does, so the terminal has one request in flight across all of them (reference §2.1: terminals handle about one
 * request at a time; §2.2: Device Busy otherwise). A lock is transaction-scoped on a connection of its own, so it
 * goes with the transaction whatever happens to the work.
 *
 * A lock is held for a span of work — an activity's or a batch's calls — not per call: per call, the transaction,
 * the lock and the commit cost three database round trips per terminal request. Inside a held span, calls that ask
 * for the lock again (the ISAPI transport asks for every call) run at once instead of waiting for themselves.
 */
export class TerminalLocks {
  /** The terminals this async context holds; emptied when the span ends, so work it left running asks again. */
  private readonly held = new AsyncLocalStorage<Set<string>>();
  /**
   * Per terminal, the spans of this process in line for it. Only the first one holds or waits for the PostgreSQL
   * lock, so the others wait without taking a connection; PostgreSQL alone decides between processes.
   */
  private readonly line = new Map<string, Promise<unknown>>();
  private lockDb: Knex | undefined;
  private acquired = 0;

  /** @param db the ORM's connection, whose settings the lock connections copy */
  constructor(private readonly db: Knex) {}

  static of(em: EntityManager): TerminalLocks {
    return new TerminalLocks(em.getConnection().getKnex());
  }

  /** PostgreSQL locks taken so far (a span inside a held span takes none); for tests and diagnostics. */
  get acquisitions(): number {
    return this.acquired;
  }

  /** Whether the calling async context holds the terminal. */
  holds(terminalId: string): boolean {
    return this.held.getStore()?.has(terminalId) === true;
  }

  /** Runs `work` holding the terminal; at once when the caller already holds it. */
  async hold<T>(terminalId: string, work: () => Promise<T>, opts: HoldOptions = {}): Promise<T> {
    if (this.holds(terminalId)) return work();
    const before = this.line.get(terminalId) ?? Promise.resolve();
    let leave!: () => void;
    const mine = new Promise<void>((resolve) => (leave = resolve));
    const tail = before.then(() => mine);
    this.line.set(terminalId, tail);

    /** Until the lock is held; a cancel stops only the waiting, never work under way. */
    let waiting = true;
    const beating =
      opts.whileWaiting === undefined
        ? undefined
        : setInterval(() => waiting && opts.whileWaiting?.(), WAITING_BEAT_MS);
    const stopBeating = () => {
      waiting = false;
      if (beating !== undefined) clearInterval(beating);
    };
    const run = before
      .then(() => {
        opts.signal?.throwIfAborted();
        return this.connection().transaction(async (trx) => {
          await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`terminal:${terminalId}`]);
          this.acquired += 1;
          stopBeating();
          opts.signal?.throwIfAborted();
          const mineHeld = new Set([...(this.held.getStore() ?? []), terminalId]);
          try {
            return await this.held.run(mineHeld, work);
          } finally {
            mineHeld.clear();
          }
        });
      })
      .finally(() => {
        stopBeating();
        leave();
        if (this.line.get(terminalId) === tail) this.line.delete(terminalId);
      });
    const { signal } = opts;
    if (signal === undefined) return run;
    // The transaction runs on when the caller is cancelled while waiting: it lets the lock go as soon as it has it.
    run.catch(() => undefined);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => waiting && reject(signal.reason);
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  async close(): Promise<void> {
    const db = this.lockDb;
    this.lockDb = undefined;
    if (db !== undefined) await db.destroy();
  }

  private connection(): Knex {
    if (this.lockDb === undefined) {
      const config = this.db.client.config as Knex.Config;
      this.lockDb = knex({ ...config, pool: { ...config.pool, min: 0, max: LOCK_CONNECTIONS } });
    }
    return this.lockDb;
  }
}
