import { DEFAULT_MODEL_PARAMS, type ModelParams } from '../../../targets/devices/protocol/model-params';
import type { DeviceConfigParam } from '../../entities';
import { enqueueDiff, type Db } from './device-people';
import { generateDeviceSecret, hashDeviceSecret } from '../../../security/device-secret';

export interface NewDevice {
  id: string;
  name: string;
  model?: Partial<ModelParams>;
  configParams?: Record<string, DeviceConfigParam>;
  careers?: string[];
  /** Use this secret instead of a generated one (dev/demo fleets); never logged. */
  secret?: string;
}

export class DuplicateDeviceError extends Error {
  constructor(id: string) {
    super(`a device with id ${id} exists`);
    this.name = 'DuplicateDeviceError';
  }
}

/**
 * Registers a device: the secret is returned once and stored hashed; the fixed traits get the §15
 * defaults; the queue is filled with everyone the device should hold, so the first connection starts the sync.
 */
export async function registerDevice(db: Db, d: NewDevice): Promise<{ id: string; secret: string; queued: number }> {
  const secret = d.secret ?? generateDeviceSecret();
  const secretHash = await hashDeviceSecret(secret);
  const model: ModelParams = { ...DEFAULT_MODEL_PARAMS, ...d.model };
  return db.transaction(async (trx) => {
    const inserted = (await trx.raw(
      `insert into device (id, created_at, updated_at, name, secret_hash, model, config_params, properties, careers)
       values (?, now(), now(), ?, ?, ?::jsonb, ?::jsonb, '{}'::jsonb, ?::jsonb) on conflict (id) do nothing`,
      [d.id, d.name, secretHash, JSON.stringify(model), JSON.stringify(d.configParams ?? {}), JSON.stringify(d.careers ?? [])],
    )) as { rowCount: number };
    if (inserted.rowCount === 0) throw new DuplicateDeviceError(d.id);
    const queued = await enqueueDiff(trx, d.id);
    return { id: d.id, secret, queued };
  });
}

/**
 * Deletes the device — how an admin revokes a lost door — with everything about it (assignments, queue, what it
 * held, resync cursor, checks, presence, feature errors, alerts) except its audit trail: door events and snapshots
 * stay under its id. The row's trigger NOTIFYs the gateway, which drops the live session (session-revocation.ts).
 * False when there is no such device.
 */
export async function deleteDevice(db: Db, id: string): Promise<boolean> {
  const deleted = (await db.raw('delete from device where id = ?', [id])) as { rowCount: number };
  return deleted.rowCount > 0;
}

/**
 * Gives the device a new secret, returned once (only its scrypt hash is stored); the old one stops working at once:
 * the row's trigger NOTIFYs the gateway, which drops sessions that logged in with it. Undefined for an unknown id.
 */
export async function rotateDeviceSecret(db: Db, id: string): Promise<string | undefined> {
  const secret = generateDeviceSecret();
  const secretHash = await hashDeviceSecret(secret);
  const updated = (await db.raw('update device set secret_hash = ?, updated_at = now() where id = ?', [secretHash, id])) as {
    rowCount: number;
  };
  return updated.rowCount > 0 ? secret : undefined;
}
