import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../logger';
import { registerDevice } from '../db/repositories/devices/device-registry';
import { rows } from '../db/repositories/devices/device-people';
import { startDeviceFleet, type DeviceFleet } from '../targets/devices/simulator/fleet';
import { ownValue } from '../own-key';
import { writePrivateFileSync } from '../security/private-files';

/**
 * `npm start`'s cloud doors: N simulated devices registered as demo devices, holding the first
 * career's people, connected to the embedded broker. Their secrets are kept in the data dir (mode 600) so the
 * same devices come back after a restart; the registry itself only has their hashes.
 */
export async function startDemoDevices(p: { orm: MikroORM; url: string; count: number; dataDir: string; appId: string; logger: Logger }): Promise<DeviceFleet | null> {
  if (p.count === 0) return null;
  const file = join(p.dataDir, 'demo-device-secrets.json');
  const secrets: Record<string, string> = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  const db = p.orm.em.getKnex();
  const [career] = await rows<{ name: string }>(db, 'select name from career order by name limit 1');
  const devices: { deviceId: string; secret: string }[] = [];
  for (let i = 1; i <= p.count; i++) {
    const deviceId = `demo-door-${i}`;
    const [exists] = await rows(db, 'select 1 from device where id = ?', [deviceId]);
    if (exists === undefined || ownValue(secrets, deviceId) === undefined) {
      if (exists !== undefined) await db.raw('delete from device where id = ?', [deviceId]);
      const { secret } = await registerDevice(db, { id: deviceId, name: `Demo door ${i}`, careers: career ? [career.name] : [], model: { userSyncSize: 10, checkType: 'fa,card' } });
      secrets[deviceId] = secret;
    }
    devices.push({ deviceId, secret: secrets[deviceId] as string });
  }
  writePrivateFileSync(file, JSON.stringify(secrets, null, 2));
  return startDeviceFleet({ url: p.url, devices, appId: p.appId, logger: p.logger, latencyMs: 5 });
}
