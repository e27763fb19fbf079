import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { HikCentralClient } from '../targets/hikcentral/client/client';
import type { ApiDeps } from './deps';
import { hikCentralPhotoOf } from '../targets/hikcentral/client/person-photo';
import { SecretBox } from '../security/secret-box';

export function buildApiDeps(p: {
  config: Config;
  orm: MikroORM;
  temporal: Client;
  hikcentral: HikCentralClient;
  token: string;
  logger: Logger;
  /** The process's secret box (createDeps); otherwise one from GATESYNC_SECRET_KEY. */
  secrets?: SecretBox;
}): ApiDeps {
  return {
    orm: p.orm,
    temporal: p.temporal,
    queues: p.config.temporal.queues,
    token: p.token,
    logger: p.logger,
    bodyLimit: p.config.api.bodyLimit,
    photoLimit: p.config.api.photoLimit,
    secrets: p.secrets ?? new SecretBox(requireKey(p.config)),
    terminalSync: { pacingMs: p.config.terminals.pacingMs, busyPauseMs: p.config.terminals.busyPauseMs },
    defaultPacingMs: p.config.sync.pacingMs,
    busyPauseMs: p.config.sync.busyPauseMs,
    importRoot: p.config.photos.importRoot,
    dataDir: p.config.dataDir,
    zipLimit: p.config.photos.zipLimit,
    devices: {
      syncDefaults: { busyPauseMs: p.config.devices.busyPauseMs },
      commandTimeoutMs: p.config.devices.commandTimeoutMs,
    },
    ...hikCentralReaders(p.hikcentral),
  };
}

function requireKey(config: Config): Buffer {
  if (config.secretKey === undefined) throw new Error('GATESYNC_SECRET_KEY is required to store terminal passwords');
  return config.secretKey;
}

/** The API's two direct reads of HikCentral: its health, and a person's stored face (bytes stay out of Temporal). */
export function hikCentralReaders(client: HikCentralClient): Pick<ApiDeps, 'checkHikCentral' | 'readHikCentralPhoto'> {
  return {
    checkHikCentral: async () => {
      const v = await client.version();
      return { ok: true, detail: `${v.produceName} ${v.softVersion}` };
    },
    readHikCentralPhoto: (ci) => hikCentralPhotoOf(client, ci),
  };
}
