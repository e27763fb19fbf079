import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import { initOrm } from '../../src/db/orm';
import { HikCentralClient } from '../../src/targets/hikcentral/client/client';
import { startHikCentralSimulator, type HikCentralSimulator } from '../../src/targets/hikcentral/simulator/simulator';
import { createHikCentralWorker } from '../../src/worker/worker';
import type { ActivityDeps } from '../../src/activities';
import type { HikCentralSyncSettings } from '../../src/activities/hikcentral/person-sync';
import { withDatabase } from './global-setup';
import { FaceIndexStore } from '../../src/photos/face-index-store';
import { TerminalClients } from '../../src/activities/terminals/terminal-clients';
import { SecretBox } from '../../src/security/secret-box';
import type { PhotoPipeline } from '../../src/db/repositories/photos/person-photo-store';
import {
  DEFAULT_PHOTO_SETTINGS,
  TARGET_PROFILES,
  type PhotoSettings,
  type TargetPhotoProfile,
} from '../../src/photos/photo-settings';

export const TEST_APP_KEY = 'test-app-key';
export const TEST_APP_SECRET = 'test-app-secret-0123456789';
/** The shortest wait between capture re-POSTs reference §2.3 allows (2–5 s): tests wait no longer than they must. */
export const TEST_CAPTURE_POLL_MS = 2_000;

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed in this process
  }
}

export interface Services {
  orm: MikroORM;
  databaseUrl: string;
  temporal: Client;
  nativeConnection: NativeConnection;
  simulator: HikCentralSimulator;
  hikcentral: HikCentralClient;
  settings: HikCentralSyncSettings;
  /** Photo intake shared by this file's API and workers (as in `npm start`). */
  photos: PhotoPipeline;
  /** Seals terminal passwords (a random key per test file). */
  secrets: SecretBox;
  workflowBundle: { code: string };
  /** A scratch folder for this test file (photo dumps, uploaded zips); removed on close. */
  dataDir: string;
  /** A new task queue per test (sdk-typescript tests' convention). */
  taskQueue(): string;
  /** `extra`: more activity deps, e.g. a device gateway link. */
  startWorker(taskQueue: string, extra?: Partial<ActivityDeps>): Promise<RunningWorker>;
  close(): Promise<void>;
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

/** Real PostgreSQL (a fresh database from the migrated template), real Temporal, a real HTTP simulator. */
export async function startServices(opts: { settings?: Partial<HikCentralSyncSettings>; photos?: Partial<PhotoSettings> } = {}): Promise<Services> {
  quietRuntime();
  const adminUrl = inject('databaseAdminUrl');
  const dbName = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new PgClient({ connectionString: withDatabase(adminUrl, 'postgres') });
  await admin.connect();
  await admin.query(`create database "${dbName}" template gatesync_template`);
  await admin.end();
  const databaseUrl = withDatabase(adminUrl, dbName);
  const orm = await initOrm(databaseUrl);

  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address });

  const simulator = await startHikCentralSimulator({
    appKey: TEST_APP_KEY,
    appSecret: TEST_APP_SECRET,
    orgs: [
      { orgIndexCode: '1', orgName: 'Root', parentOrgIndexCode: '0' },
      { orgIndexCode: '2', orgName: 'Students', parentOrgIndexCode: '1' },
    ],
  });
  const hikcentral = new HikCentralClient({ baseUrl: simulator.url, appKey: TEST_APP_KEY, appSecret: TEST_APP_SECRET, timeoutMs: 3000 });
  const settings: HikCentralSyncSettings = {
    orgIndexCode: '2',
    validityDays: 365,
    privilegeGroupIds: [],
    photoProfile: TARGET_PROFILES.hikcentral,
    ...opts.settings,
  };
  const photos: PhotoPipeline = { settings: { ...DEFAULT_PHOTO_SETTINGS, ...opts.photos }, faces: new FaceIndexStore() };
  const workflowBundle = { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
  const secrets = new SecretBox(randomBytes(32));
  const terminals = new TerminalClients(secrets, 5_000);
  const workers: RunningWorker[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'gatesync-test-data-'));

  return {
    orm,
    databaseUrl,
    temporal,
    nativeConnection,
    simulator,
    hikcentral,
    settings,
    photos,
    secrets,
    workflowBundle,
    dataDir,
    taskQueue: () => `test-${randomUUID()}`,
    async startWorker(taskQueue: string, extra: Partial<ActivityDeps> = {}): Promise<RunningWorker> {
      const worker = await createHikCentralWorker({
        connection: nativeConnection,
        namespace: 'default',
        taskQueue,
        deps: { orm, hikcentral, settings, photos, terminals, terminalValidityDays: 365, terminalCapturePollMs: TEST_CAPTURE_POLL_MS, ...extra },
        workflowBundle,
      });
      const running = worker.run();
      const handle: RunningWorker = {
        worker,
        async stop() {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running;
        },
      };
      workers.push(handle);
      return handle;
    },
    async close() {
      for (const w of workers) await w.stop().catch(() => undefined);
      await terminals.close();
      await hikcentral.close();
      await simulator.close();
      await connection.close();
      await nativeConnection.close();
      await orm.close(true);
      const a = new PgClient({ connectionString: withDatabase(adminUrl, 'postgres') });
      await a.connect();
      await a.query(`drop database if exists "${dbName}" with (force)`);
      await a.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A photo pipeline with one target profile changed, for a worker standing for a deployment set that way. */
export function pipelineWithProfile(
  photos: PhotoPipeline,
  name: TargetPhotoProfile['name'],
  change: Partial<TargetPhotoProfile>,
): PhotoPipeline {
  const { profiles } = photos.settings;
  const changed = { ...profiles, [name]: { ...profiles[name], ...change } };
  return { ...photos, settings: { ...photos.settings, profiles: changed } };
}
