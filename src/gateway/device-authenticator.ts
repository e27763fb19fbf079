import type { DeviceAuthenticator } from '../targets/devices/client/broker';
import type { Db } from '../db/repositories/devices/device-people';
import { deviceSecretHash } from '../db/repositories/devices/device-state';
import { credentialTag, type DeviceSecretVerifier } from '../security/device-secret';


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
