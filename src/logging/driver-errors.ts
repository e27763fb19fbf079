import { DriverException } from '@mikro-orm/core';

/**
 * What may be said about a database error outside the process: identifiers, never values. A driver error's
 * own text is not safe: MikroORM's and knex's messages embed the SQL with its bound parameters (a photo in hex),
 * PostgreSQL's `detail` repeats the key values, and even its primary message may quote the offending input
 * (`invalid input syntax for type integer: "…"`). So the message here is rebuilt from the SQLSTATE.
 */
export interface DriverErrorFacts {
  /** The error's class name, e.g. `UniqueConstraintViolationException`, or `DatabaseError` for raw pg errors. */
  name: string;
  /** SQLSTATE (e.g. `23505`), or a socket code (`ECONNREFUSED`) for a connection failure. */
  code?: string;
  constraint?: string;
  table?: string;
  column?: string;
  /** For unique violations: the key's columns (from `detail`, without the values). */
  keyColumns?: string[];
  /** A value-free description derived from the code. */
  message: string;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** SQLSTATEs named in PostgreSQL's Appendix A that gatesync meets; other codes are described by their class. */
const SQLSTATE_MESSAGES: Record<string, string> = {
  '22001': 'value too long for its column',
  '22003': 'numeric value out of range',
  '22007': 'invalid datetime format',
  '22008': 'datetime field overflow',
  '22021': 'invalid byte sequence for the encoding',
  '22P02': 'invalid text representation',
  '22P03': 'invalid binary representation',
  '22P05': 'untranslatable character',
  '23502': 'not-null constraint violated',
  '23503': 'foreign key constraint violated',
  '23505': 'unique constraint violated',
  '23514': 'check constraint violated',
  '23P01': 'exclusion constraint violated',
  '40001': 'serialization failure',
  '40P01': 'deadlock detected',
  '42601': 'SQL syntax error',
  '42703': 'undefined column',
  '42P01': 'undefined table',
  '53300': 'too many connections',
  '57014': 'query cancelled',
};

const SQLSTATE_CLASSES: Record<string, string> = {
  '08': 'connection exception',
  '22': 'data exception',
  '23': 'integrity constraint violation',
  '25': 'invalid transaction state',
  '40': 'transaction rollback',
  '42': 'syntax error or access rule violation',
  '53': 'insufficient resources',
  '57': 'operator intervention',
  XX: 'internal error',
};

/** The facts of a MikroORM driver exception or a raw pg/knex error; null for anything else. */
export function driverErrorFacts(err: unknown): DriverErrorFacts | null {
  if (!isDriverError(err)) return null;
  const e = err as Error & Record<string, unknown>;
  const code = stringField(e, 'code');
  // pg names its errors 'error'; the class says what they are.
  const name = err instanceof DriverException ? e.name : (e.constructor?.name ?? 'DatabaseError');
  const facts: DriverErrorFacts = { name, message: describeCode(code) };
  if (code !== undefined) facts.code = code;
  for (const key of ['constraint', 'table', 'column'] as const) {
    const v = stringField(e, key);
    if (v !== undefined) facts[key] = v;
  }
  const keyColumns = uniqueKeyColumns(stringField(e, 'detail'));
  if (keyColumns !== undefined) facts.keyColumns = keyColumns;
  return facts;
}

/** A MikroORM DriverException, or pg's DatabaseError (also when knex threw it from a raw query). */
function isDriverError(err: unknown): boolean {
  if (err instanceof DriverException) return true;
  if (!(err instanceof Error)) return false;
  const e = err as unknown as Record<string, unknown>;
  return typeof e.code === 'string' && SQLSTATE.test(e.code) && typeof e.severity === 'string';
}

function describeCode(code: string | undefined): string {
  if (code === undefined) return 'database error';
  if (!SQLSTATE.test(code)) return `database connection error (${code})`;
  return SQLSTATE_MESSAGES[code] ?? SQLSTATE_CLASSES[code.slice(0, 2)] ?? 'database error';
}

/**
 * pg's detail for 23505 is `Key (person_id, version)=(…, …) already exists.`: the part before `=` comes from
 * the index definition, the part after from the row. Only the former is kept.
 */
function uniqueKeyColumns(detail: string | undefined): string[] | undefined {
  const m = detail === undefined ? null : /^Key \((.*?)\)=\(/s.exec(detail);
  if (m?.[1] === undefined) return undefined;
  return m[1].split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
}

function stringField(e: Record<string, unknown>, key: string): string | undefined {
  const v = e[key];
  return typeof v === 'string' && v !== '' ? v.slice(0, 200) : undefined;
}
