import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs `call` holding the terminal's PostgreSQL advisory lock: every worker process that talks to the terminal takes
 * it, so the terminal has one request in flight across all of them (reference §2.2: a terminal answers one request
 * at a time, Device Busy otherwise). Transaction-scoped on a connection of its own, so the lock goes with the
 * transaction whatever happens to the call.
 */
export async function withTerminalLock<T>(em: EntityManager, terminalId: string, call: () => Promise<T>): Promise<T> {
  const knex = em.getConnection().getKnex();
  return knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`terminal:${terminalId}`]);
    return call();
  });
}
