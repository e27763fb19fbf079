import type { Knex } from '@mikro-orm/postgresql';

/** PostgreSQL type oids of `timestamp` and `timestamptz` (pg_type). */
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

interface RawResult {
  rows: Array<Record<string, unknown>>;
  fields: Array<{ name: string; dataTypeID: number }>;
}

/**
 * `2026-12-02 05:32:49.239506+00` (how PostgreSQL writes a timestamptz, which MikroORM's connection keeps as
 * text) → `2026-12-02T05:32:49.239Z`. A `timestamp` without zone is UTC here: the ORM runs with forceUtcTimezone.
 */
export function isoTimestamp(pgText: string, withZone: boolean): string {
  const iso = pgText.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const d = new Date(withZone ? iso : `${iso}Z`);
  // `infinity` and dates before year 1 have no ISO form a client would parse; they are passed on as written.
  return Number.isNaN(d.getTime()) ? pgText : d.toISOString();
}

/**
 * Rows of a raw query for an API answer: every `timestamp`/`timestamptz` column — found by its type, not its
 * name — is an ISO 8601 string with its zone, as every timestamp the API answers must be.
 */
export async function answerRows<T>(db: Knex, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const result = (await db.raw(sql, params as Knex.RawBinding[])) as RawResult;
  const stamps = result.fields.filter((f) => f.dataTypeID === TIMESTAMP || f.dataTypeID === TIMESTAMPTZ);
  if (stamps.length === 0) return result.rows as T[];
  return result.rows.map((row) => {
    const out = { ...row };
    for (const f of stamps) {
      const v = out[f.name];
      if (typeof v === 'string') out[f.name] = isoTimestamp(v, f.dataTypeID === TIMESTAMPTZ);
      else if (v instanceof Date) out[f.name] = v.toISOString();
    }
    return out as T;
  });
}
