import { Client as PgClient } from 'pg';
import { describe, expect, inject, it } from 'vitest';
import {
  hashesEqual,
  MAX_USER_ID,
  parseHash,
  userHashValue,
  XOR_HASH_SQL,
  xorHash,
} from '../../../src/targets/devices/protocol/xor-hash';
import { withDatabase } from '../../helpers/global-setup';

describe('xorHash (digest §2, seed user_sync_check)', () => {
  it('is "0" for a device without users', () => {
    expect(xorHash([])).toBe('0');
  });

  it('is the id itself for one user, as a decimal string', () => {
    expect(xorHash([123])).toBe('123');
    expect(xorHash([MAX_USER_ID])).toBe('2147483647');
  });

  it('XORs the seed example ids 123 and 124 to 7', () => {
    // 123 = 0b1111011, 124 = 0b1111100 → 0b0000111
    expect(xorHash([123, 124])).toBe('7');
  });

  it('matches a hand-computed value for visitor ids (§17: 100000000 + n)', () => {
    // 100000011 ^ 100000012 = 0b0111 (the low bits differ 1011 vs 1100); ^ 5 = 2
    expect(xorHash([100_000_011, 100_000_012])).toBe(String(100_000_011 ^ 100_000_012));
    expect(xorHash([100_000_011, 100_000_012, 5])).toBe('2');
  });

  it('does not depend on order', () => {
    const ids = [17, 4_000_000, 99, 2_147_483_000, 1];
    expect(xorHash(ids)).toBe(xorHash([...ids].reverse()));
  });

  it('negative control: a different set gives a different hash', () => {
    expect(xorHash([1, 2, 3])).not.toBe(xorHash([1, 2, 4]));
    expect(xorHash([1, 2, 3])).not.toBe(xorHash([1, 2]));
  });

  it('negative control: XOR cannot see a pair of equal ids — which is why size travels with the hash', () => {
    expect(xorHash([7, 9, 9])).toBe(xorHash([7]));
  });

  it('refuses ids that are not unsigned 32-bit integers', () => {
    expect(() => userHashValue(-1)).toThrow(RangeError);
    expect(() => userHashValue(2 ** 32)).toThrow(RangeError);
    expect(() => userHashValue(1.5)).toThrow(RangeError);
    expect(userHashValue(0xffff_ffff)).toBe(4294967295n);
  });
});

describe('hash strings', () => {
  it("accepts the seed's example, which no XOR of 32-bit ids can produce (§2 Note)", () => {
    expect(parseHash('11207717158912')).toBe(11207717158912n);
    expect(parseHash('11207717158912')! > 0xffff_ffffn).toBe(true);
  });

  it('compares numerically, not as text', () => {
    expect(hashesEqual('007', '7')).toBe(true);
    expect(hashesEqual('7', '8')).toBe(false);
  });

  it('never equates an unparseable hash', () => {
    for (const bad of ['', '-7', '0x7', '7.0', ' 7', 'abc', '1'.repeat(21)]) {
      expect(parseHash(bad)).toBeUndefined();
      expect(hashesEqual(bad, bad)).toBe(false);
    }
  });
});

describe('XOR_HASH_SQL on the real PostgreSQL', () => {
  it('gives the same string as xorHash, including the empty set and ids near 2^31', async () => {
    const client = new PgClient({ connectionString: withDatabase(inject('databaseAdminUrl'), 'postgres') });
    await client.connect();
    try {
      const sets = [
        [],
        [123],
        [123, 124],
        [MAX_USER_ID, 1, 100_000_011, 65_536, 3],
        Array.from({ length: 1000 }, (_, i) => i * 7919 + 1),
      ];
      for (const ids of sets) {
        const { rows } = await client.query<{ hash: string; size: number }>(
          `select ${XOR_HASH_SQL} as hash, count(*)::int as size from unnest($1::integer[]) as t(user_id)`,
          [ids],
        );
        expect(rows[0]).toEqual({ hash: xorHash(ids), size: ids.length });
      }
    } finally {
      await client.end();
    }
  });
});
