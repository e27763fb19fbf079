import { z } from 'zod';

/** PostgreSQL `integer` (int4), the type of person.user_id and of every count and offset the API passes on. */
export const INT4_MAX = 2_147_483_647;
/** PostgreSQL `bigint` (int8), the type of the device event and capture ids. */
export const INT8_MAX = 9_223_372_036_854_775_807n;
/** 9999-12-31T23:59:59Z: the last second an ISO 8601 date with a four-digit year can name. */
export const MAX_EPOCH_SECONDS = 253_402_300_799;

/**
 * A whole number from the path or the query string, written in decimal digits (no `1e3`, `0x10`, spaces or an
 * empty value, which `Number()` would take), within `[min, max]` — bounds chosen to fit the column or the
 * parameter it ends in, so PostgreSQL never answers "out of range".
 */
export function intParam(range: { min: number; max: number }) {
  return z
    .string()
    .regex(/^-?\d{1,16}$/, 'must be a whole number in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(range.min).max(range.max))
    .meta({ example: String(range.min), description: `a whole number, ${range.min} to ${range.max}` });
}

/** A `bigint` row id from the path: 1 … 2⁶³−1, kept as a string (JavaScript numbers lose digits beyond 2⁵³). */
export function int8IdParam(what: string) {
  return z
    .string()
    // abort: the range check below must not see what is not digits.
    .regex(/^\d{1,19}$/, { message: `${what} must be a positive whole number`, abort: true })
    .refine((s) => BigInt(s) >= 1n && BigInt(s) <= INT8_MAX, `${what} is out of range`)
    .meta({ example: '1', description: `a whole number, 1 to ${INT8_MAX}` });
}

/** `limit` of a page: 1 … max, `fallback` when absent. */
export const limitParam = (max: number, fallback: number) => intParam({ min: 1, max }).default(fallback);
/** `offset` of a page: an `integer` like the counts it skips. */
export const offsetParam = () => intParam({ min: 0, max: INT4_MAX }).default(0);
