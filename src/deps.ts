import type { MikroORM } from '@mikro-orm/postgresql';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from './config';
import type { HikCentralSyncSettings } from './activities/hikcentral/person-sync';
import { initOrm } from './db/orm';
import { createHikCentralClient } from './targets/hikcentral/client/factory';
import type { HikCentralClient } from './targets/hikcentral/client/client';
import { FaceIndexStore } from './photos/face-index-store';
import type { PhotoPipeline } from './db/repositories/photos/person-photo-store';
import { TerminalClients } from './activities/terminals/terminal-clients';
import { SecretBox } from './security/secret-box';
import type { ActivityDeps } from './activities';

/** Where the process's external services are; `npm start` passes the embedded ones it started. */
export interface ServiceAddresses {
  databaseUrl: string;
  temporalAddress: string;
  hikcentralUrl: string;
  secretKey: Buffer;
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
    const hikcentral = o.hikcentral ?? createHikCentralClient(config.hikcentral, at.hikcentralUrl);
    if (o.hikcentral === undefined) closers.push(() => hikcentral.close());
    const secrets = o.secrets ?? new SecretBox(at.secretKey);
    const terminals = o.terminals ?? new TerminalClients(secrets, config.terminals.timeoutMs);
    if (o.terminals === undefined) closers.push(() => terminals.close());
    const temporal = o.temporal ?? (await connectClient(at.temporalAddress, config.temporal.namespace, closers));
    const nativeConnection = opts.worker === true ? await NativeConnection.connect({ address: at.temporalAddress }) : undefined;
    if (nativeConnection !== undefined) closers.push(() => nativeConnection.close());
    const photos = o.photos ?? { settings: config.photos.settings, faces: new FaceIndexStore() };
    return { orm, hikcentral, photos, secrets, terminals, temporal, nativeConnection, close };
  } catch (e) {
    await close();
    throw e;
  }
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
    hikcentral: d.hikcentral,
    settings: hikCentralSyncSettings(config),
    photos: d.photos,
    terminals: d.terminals,
    terminalValidityDays: config.terminals.validityDays,
    terminalCapturePollMs: config.terminals.capturePollMs,
    ...(devices !== undefined ? { devices } : {}),
  };
}

/** The external services named in the config; the standalone processes check they are all set first. */
export function serviceAddresses(config: Config): ServiceAddresses {
  const { url: databaseUrl } = config.database;
  const { address: temporalAddress } = config.temporal;
  const { url: hikcentralUrl } = config.hikcentral;
  const { secretKey } = config;
  if (databaseUrl === undefined || temporalAddress === undefined || hikcentralUrl === undefined || secretKey === undefined) {
    throw new Error('DATABASE_URL, TEMPORAL_ADDRESS, HIKCENTRAL_URL and GATESYNC_SECRET_KEY are required');
  }
  return { databaseUrl, temporalAddress, hikcentralUrl, secretKey };
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
