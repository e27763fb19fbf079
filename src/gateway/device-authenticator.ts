import { createHash } from 'node:crypto';
import type { DeviceAuthenticator } from '../targets/devices/client/broker';
import type { Db } from '../db/repositories/devices/device-people';
import { deviceSecretHash } from '../db/repositories/devices/device-state';
import type { DeviceSecretVerifier } from '../security/device-secret';

/**
 * Which secret a session logged in with, without keeping the hash itself: a rotation writes a new hash (new
 * salt), so the tag changes and sessions with the old one can be told apart (device-gateway.ts drops them).
 */
export function credentialTag(secretHash: string): string {
  return createHash('sha256').update(secretHash).digest('hex').slice(0, 32);
}

/**
 * The broker's device login against the registry (digest "Transport"). Every login costs one scrypt, registered
 * or not (DeviceSecretVerifier), so the answer time does not reveal which device ids exist.
 */
export function registryAuthenticator(db: Db, verifier: DeviceSecretVerifier): DeviceAuthenticator {
  return async (deviceId, secret) => {
    const hash = await deviceSecretHash(db, deviceId);
    const ok = await verifier.verify(secret, hash);
    return ok && hash !== undefined ? { credential: credentialTag(hash) } : false;
  };
}
