/**
 * The consistency-check hash of `user_sync_check` (seed "人员同步" → user_sync_check; digest §2):
 * `hash = user_id1 XOR user_id2 XOR … XOR user_idN` over every user the device holds, sent as a string.
 *
 * The seed's own example `"11207717158912"` is larger than any XOR of 32-bit ids can be (digest §2 Note), so
 * the string is read as an unsigned decimal integer and compared as a BigInt; the XOR of no users is `"0"`.
 * XOR is order-independent and self-inverse: a user listed twice cancels out, which is why `size` travels with
 * the hash and both must match.
 *
 * SQL (PostgreSQL ≥ 14 has the `bit_xor` aggregate). Each user contributes its id unchanged
 * ({@link userHashValue}); over the rows that a device should hold:
 *
 *   select count(*)::int as size, coalesce(bit_xor(user_id::bigint), 0)::text as hash
 *   from device_user where device_id = $1
 *
 * `::bigint` keeps the aggregate unsigned-safe should ids ever be stored as `integer` and reach 2^31 (they
 * cannot under {@link MAX_USER_ID}, but the cast costs nothing); `coalesce(…, 0)` gives the empty set `"0"`.
 */

/** user_id is a "32-bit integer" (seed user_sync table). We keep ids positive and within signed int32
 * (1 … 2^31−1) so a device storing them as int32 or uint32 computes the same XOR; 0 is excluded because
 * XOR with 0 is invisible in the hash. */
export const MIN_USER_ID = 1;
export const MAX_USER_ID = 0x7fff_ffff;

/** The per-user value that enters the XOR: the user id itself, as an unsigned integer. */
export function userHashValue(userId: number): bigint {
  if (!Number.isInteger(userId) || userId < 0 || userId > 0xffff_ffff) {
    throw new RangeError(`user_id must be an unsigned 32-bit integer, got ${userId}`);
  }
  return BigInt(userId);
}

/** SQL expression for one user's value (column `user_id`), the twin of {@link userHashValue}. */
export const USER_HASH_VALUE_SQL = 'user_id::bigint';

/** SQL aggregate giving the hash string over the selected rows, the twin of {@link xorHash}. */
export const XOR_HASH_SQL = `coalesce(bit_xor(${USER_HASH_VALUE_SQL}), 0)::text`;

/** The hash a device with these users reports, as the decimal string the wire carries. */
export function xorHash(userIds: Iterable<number>): string {
  let acc = 0n;
  for (const id of userIds) acc ^= userHashValue(id);
  return acc.toString(10);
}

/** A decimal string of at most 20 digits (fits an unsigned 64-bit value, which covers the seed's example). */
export const HASH_STRING_PATTERN = /^[0-9]{1,20}$/;

/** `undefined` for anything that is not an unsigned decimal integer string. */
export function parseHash(hash: string): bigint | undefined {
  if (!HASH_STRING_PATTERN.test(hash)) return undefined;
  return BigInt(hash);
}

/** Numeric comparison, so `"007"` equals `"7"`; an unparseable hash never equals anything. */
export function hashesEqual(a: string, b: string): boolean {
  const x = parseHash(a);
  const y = parseHash(b);
  return x !== undefined && y !== undefined && x === y;
}
