import { describe, expect, it } from 'vitest';
import {
  DeviceSecretVerifier,
  generateDeviceSecret,
  hashDeviceSecret,
  SCRYPT_PARAMS,
  scryptKdf,
  type ScryptParams,
} from '../../src/security/device-secret';

/** A verifier whose scrypt calls are counted (the real scrypt still runs). */
async function countingVerifier(): Promise<{ verifier: DeviceSecretVerifier; calls: ScryptParams[] }> {
  const calls: ScryptParams[] = [];
  const verifier = await DeviceSecretVerifier.create((secret, salt, keyLen, params) => {
    calls.push(params);
    return scryptKdf(secret, salt, keyLen, params);
  });
  calls.length = 0;
  return { verifier, calls };
}

describe('DeviceSecretVerifier', () => {
  it('accepts only the secret a hash was made from', async () => {
    const { verifier } = await countingVerifier();
    const secret = generateDeviceSecret();
    const stored = await hashDeviceSecret(secret);
    expect(await verifier.verify(secret, stored)).toBe(true);
    expect(await verifier.verify(`${secret}x`, stored)).toBe(false);
    expect(await verifier.verify(secret, await hashDeviceSecret(generateDeviceSecret()))).toBe(false);
  });

  it('runs one scrypt with the same N/r/p for an unknown id, a malformed hash and a too-long secret as for a real check', async () => {
    const { verifier, calls } = await countingVerifier();
    const secret = generateDeviceSecret();
    const stored = await hashDeviceSecret(secret);
    const cases: [string, string | undefined][] = [
      [secret, stored],
      ['wrong', stored],
      [secret, undefined],
      [secret, 'scrypt$16384$8$1$c2FsdA$c2hvcnQ'],
      [secret, 'bcrypt$whatever'],
      [secret, 'scrypt$1048576$64$1$c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['x'.repeat(5000), stored],
    ];
    for (const [candidate, hash] of cases) {
      calls.length = 0;
      const ok = await verifier.verify(candidate, hash);
      expect(ok, String(hash)).toBe(candidate === secret && hash === stored);
      expect(calls, String(hash)).toEqual([SCRYPT_PARAMS]);
    }
  });
});
