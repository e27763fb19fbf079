import type { MikroORM } from '@mikro-orm/postgresql';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, type Config } from './config';
import type { HikCentralSyncSettings } from './activities/hikcentral/person-sync';
import { initOrm } from './db/orm';
import { createHikCentralClient } from './targets/hikcentral/client/factory';
import type { HikCentralClient } from './targets/hikcentral/client/client';
import { FaceIndexStore } from './photos/face-index-store';
import type { PhotoPipeline } from './db/repositories/photos/person-photo-store';
import { TerminalClients } from './activities/terminals/terminal-clients';
import { SecretBox } from './security/secret-box';
import type { ActivityDeps } from './activities';

/**
 * Where the process's external services are; `npm start` passes the embedded ones it started. A process that never
 * talks to HikCentral or seals terminal passwords (the gateway, a worker of other queues) need not name them.
 */
export interface ServiceAddresses {
  databaseUrl: string;
  temporalAddress: string;
  hikcentralUrl?: string;
  secretKey?: Buffer;
}

/** Everything a gatesync process shares between its parts, built once (STYLE §3). */
export interface AppDeps {
  orm: MikroORM;
  hikcentral: HikCentralClient;
  /** Photo intake: settings and this process's face index. */
  photos: PhotoPipeline;
  secrets: SecretBox;
  terminals: TerminalClients;
  /** A Temporal client (starting workflows, signals, queries). */
  temporal: Client;
  /** The worker's connection; only when asked for (`worker: true`). */
  nativeConnection?: NativeConnection;
  /** Closes what was built here, last built first. */
  close(): Promise<void>;
}

export interface CreateDepsOptions {
  /** Also open the worker's native connection. */
  worker?: boolean;
  /** Replace a part (tests and `npm start` share a pipeline or a client); a part passed in is not closed here. */
  overrides?: Partial<Pick<AppDeps, 'orm' | 'hikcentral' | 'photos' | 'secrets' | 'terminals' | 'temporal'>>;
}

/** The one place the process-wide dependencies are assembled: worker, API, gateway and `npm start` call it. */
export async function createDeps(config: Config, at: ServiceAddresses, opts: CreateDepsOptions = {}): Promise<AppDeps> {
  const o = opts.overrides ?? {};
  const closers: Array<() => Promise<unknown>> = [];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const orm = o.orm ?? (await initOrm(at.databaseUrl));
    if (o.orm === undefined) closers.push(() => orm.close());
    const hikcentral = o.hikcentral ?? (at.hikcentralUrl !== undefined ? createHikCentralClient(config.hikcentral, at.hikcentralUrl) : undefined);
    if (o.hikcentral === undefined && hikcentral !== undefined) closers.push(() => hikcentral.close());
    const secrets = o.secrets ?? (at.secretKey !== undefined ? new SecretBox(at.secretKey) : undefined);
    const terminals = o.terminals ?? (secrets !== undefined ? new TerminalClients(secrets, config.terminals.timeoutMs) : undefined);
    if (o.terminals === undefined && terminals !== undefined) closers.push(() => terminals.close());
    const temporal = o.temporal ?? (await connectClient(at.temporalAddress, config.temporal.namespace, closers));
    const nativeConnection = opts.worker === true ? await NativeConnection.connect({ address: at.temporalAddress }) : undefined;
    if (nativeConnection !== undefined) closers.push(() => nativeConnection.close());
    const photos = o.photos ?? { settings: config.photos.settings, faces: new FaceIndexStore() };
    return {
      orm,
      photos,
      temporal,
      nativeConnection,
      close,
      get hikcentral() {
        return hikcentral ?? unconfigured('HIKCENTRAL_URL', 'HikCentral');
      },
      get secrets() {
        return secrets ?? unconfigured('GATESYNC_SECRET_KEY', 'sealed terminal passwords');
      },
      get terminals() {
        return terminals ?? unconfigured('GATESYNC_SECRET_KEY', 'the terminals');
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** A part this process was not configured for, asked for anyway: a configuration mistake, said plainly. */
function unconfigured(variable: string, what: string): never {
  throw new ConfigError([`${variable}: this process was started without it, so it cannot use ${what}`]);
}

async function connectClient(address: string, namespace: string, closers: Array<() => Promise<unknown>>): Promise<Client> {
  const connection = await Connection.connect({ address });
  closers.push(() => connection.close());
  return new Client({ connection, namespace });
}

/** The activities' dependencies from the shared ones and the config; `devices` where a gateway link exists. */
export function activityDeps(config: Config, d: Pick<AppDeps, 'orm' | 'hikcentral' | 'photos' | 'terminals'>, devices?: ActivityDeps['devices']): ActivityDeps {
  return {
    orm: d.orm,
    // Read when an activity runs: a worker that serves neither queue need not be configured for HikCentral or terminals.
    get hikcentral() {
      return d.hikcentral;
    },
    settings: hikCentralSyncSettings(config),
    photos: d.photos,
    get terminals() {
      return d.terminals;
    },
    terminalValidityDays: config.terminals.validityDays,
    terminalCapturePollMs: config.terminals.capturePollMs,
    ...(devices !== undefined ? { devices } : {}),
  };
}

/** The standalone processes (`npm start` embeds everything instead). */
export type ProcessRole = 'worker' | 'api' | 'gateway';

/**
 * The external services named in the config, after checking that everything this process's role needs is set:
 * the API answers for every family; a worker needs what its queues talk to; the gateway only PostgreSQL, Temporal
 * and the broker account the workers share with it.
 */
export function serviceAddresses(config: Config, role: ProcessRole): ServiceAddresses {
  const families = role === 'worker' ? config.worker.families : [];
  const needs: Array<[string, unknown, boolean]> = [
    ['DATABASE_URL', config.database.url, true],
    ['TEMPORAL_ADDRESS', config.temporal.address, true],
    // Photo comparisons read the face HikCentral holds, so the photos queue needs it too.
    ['HIKCENTRAL_URL', config.hikcentral.url, role === 'api' || families.includes('hikcentral') || families.includes('photos')],
    ['GATESYNC_SECRET_KEY', config.secretKey, role === 'api' || families.includes('terminals')],
    ['GATESYNC_API_TOKEN', config.api.token, role === 'api'],
    ['MQTT_GATEWAY_PASSWORD', config.devices.gatewayPassword, role === 'gateway' || families.includes('devices')],
  ];
  const missing = needs.filter(([, value, needed]) => needed && value === undefined);
  if (missing.length > 0) {
    throw new ConfigError(missing.map(([name]) => `${name}: required by the standalone ${role} (npm start embeds everything instead)`));
  }
  return {
    databaseUrl: config.database.url as string,
    temporalAddress: config.temporal.address as string,
    hikcentralUrl: config.hikcentral.url,
    secretKey: config.secretKey,
  };
}

/** What one person's HikCentral sync needs from the configuration. */
export function hikCentralSyncSettings(config: Config): HikCentralSyncSettings {
  return {
    orgIndexCode: config.hikcentral.orgIndexCode,
    validityDays: config.hikcentral.validityDays,
    privilegeGroupIds: config.hikcentral.privilegeGroupIds,
    photoProfile: config.photos.settings.profiles.hikcentral,
  };
}
