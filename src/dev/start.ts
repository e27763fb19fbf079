import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { ConfigError, loadConfig, type Config } from '../config';
import { activityDeps } from '../deps';
import { createLogger } from '../logger';
import { initOrm, migrateUp } from '../db/orm';
import { createHikCentralClient } from '../targets/hikcentral/client/factory';
import { startHikCentralSimulator } from '../targets/hikcentral/simulator/simulator';
import { createFamilyWorkers } from '../worker/worker';
import { createApp } from '../api/app';
import { buildApiDeps } from '../api/build-deps';
import { FaceIndexStore } from '../photos/face-index-store';
import type { PhotoPipeline } from '../db/repositories/photos/person-photo-store';
import { resolveTemporalBinary } from './temporal-binary';
import { startDatabase } from './database';
import { startTemporalDevServer } from './temporal-dev-server';
import { seedDemoData } from './demo-data';
import { startDemoTerminals } from './demo-terminals';
import { TerminalClients } from '../activities/terminals/terminal-clients';
import { SecretBox } from '../security/secret-box';
import { Terminal } from '../db/entities';
import { startDeviceGatewayFromConfig } from '../gateway/gateway-from-config';
import { startDemoDevices } from './demo-devices';
import { SetupStepError, reasonOf, setupStep } from './setup-step';
import { adminToken } from './admin-token';
import { startBanner } from './start-banner';
import { postgresLogLine } from './postgres-log-line';
import { ensurePrivateDirSync, writePrivateFileSync } from '../security/private-files';
import { temporalSdkLogger } from '../logging/temporal-sdk-logger';
import { startTerminalProbe } from '../temporal-client/terminals';

/**
 * `npm start`: everything on embedded defaults — PostgreSQL, the Temporal dev server with its Web
 * UI, the HikCentral simulator (unless HIKCENTRAL_URL is set), the worker and the API, with demo
 * data. Each piece is replaced by an external one when its variable is set. Ctrl-C stops it all.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const logger = createLogger(config.logLevel);
  // Embedded PostgreSQL runs as `postgres` when gatesync runs as root (src/dev/embedded-postgres.ts): that user
  // must pass through the data dir to its cluster, though not list it; every file in it is owner-only anyway.
  ensurePrivateDirSync(config.dataDir, { traversable: config.database.url === undefined && process.getuid?.() === 0 });
  const stops: Array<[string, () => Promise<void>]> = [];
  const stopAll = async (): Promise<void> => {
    for (const [name, stop] of stops.reverse()) {
      try {
        logger.info(`stopping ${name}`);
        await stop();
      } catch (e) {
        logger.warn({ err: e }, `stopping ${name} failed`);
      }
    }
  };
  let stopping = false;
  const onSignal = (sig: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${sig}: stopping gatesync…`);
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  try {
    const db = await startDatabase(config, (l) => logger.debug({ component: 'postgres' }, postgresLogLine(l)));
    stops.push(['postgres', db.stop]);
    // What the stack creates from here on (the Temporal SQLite file and its journals, simulator state, zips,
    // captures) holds people or secrets: owner-only by default, besides each writer's explicit mode. The cluster's
    // own files were placed above with the modes its account needs.
    process.umask(0o077);
    const orm = await setupStep('connect to PostgreSQL', () => initOrm(db.url));
    stops.push(['orm', () => orm.close()]);
    const applied = await setupStep('migrate the database', () => migrateUp(orm));
    if (applied.length > 0) logger.info({ applied }, 'database migrated');

    let temporalAddress = config.temporal.address;
    let uiUrl = config.temporal.uiUrl ?? null;
    if (temporalAddress === undefined) {
      const binary = await setupStep('obtain the Temporal CLI', () => {
        const found = resolveTemporalBinary({ env: process.env });
        if (found.path === undefined) throw new Error(`no Temporal CLI binary (tried: ${found.tried.join('; ')})`);
        return { ...found, path: found.path };
      });
      const server = await setupStep(`start the Temporal dev server on 127.0.0.1:${config.temporal.devPort}`, () => startTemporalDevServer({
        binary: binary.path,
        port: config.temporal.devPort,
        uiPort: config.temporal.uiPort,
        dbFile: join(config.dataDir, 'temporal.sqlite'),
        namespace: config.temporal.namespace,
        log: (l) => logger.debug({ component: 'temporal' }, l),
      }));
      stops.push(['temporal', server.stop]);
      temporalAddress = server.address;
      uiUrl = server.uiUrl;
    }

    let hikUrl = config.hikcentral.url;
    if (hikUrl === undefined) {
      const sim = await setupStep(`start the HikCentral simulator on :${config.hikcentral.simPort}`, () => startHikCentralSimulator({
        port: config.hikcentral.simPort,
        appKey: config.hikcentral.appKey,
        appSecret: config.hikcentral.appSecret,
        stateFile: join(config.dataDir, 'hikcentral-sim.json'),
        orgs: [
          { orgIndexCode: '1', orgName: 'Universidad', parentOrgIndexCode: '0' },
          { orgIndexCode: '2', orgName: 'Estudiantes', parentOrgIndexCode: '1' },
        ],
      }));
      stops.push(['hikcentral simulator', sim.close]);
      hikUrl = sim.url;
    }
    const hikcentral = createHikCentralClient(config.hikcentral, hikUrl);
    stops.push(['hikcentral client', () => hikcentral.close()]);

    // The worker's face index (the API decodes no image; photo intake runs as a workflow on the photos queue).
    const photos: PhotoPipeline = { settings: config.photos.settings, faces: new FaceIndexStore() };
    const seeded = await setupStep('seed the demo data', () => seedDemoData(orm, photos));
    if (seeded.created > 0) logger.info(seeded, 'demo data seeded');
    const secrets = new SecretBox(config.secretKey ?? persistentDevSecretKey(config.dataDir));
    const demoTerminals = await setupStep(`start the terminal simulators on :${config.terminals.simPort}`, () => startDemoTerminals(orm, secrets, config.terminals.simPort));
    stops.push(['terminal simulators', demoTerminals.close]);
    const terminals = new TerminalClients(secrets, config.terminals.timeoutMs);
    stops.push(['terminal clients', () => terminals.close()]);

    // gatesync stops the worker itself on Ctrl-C, in order with everything else.
    Runtime.install({
      logger: temporalSdkLogger(logger.child({ component: 'temporal-sdk' }, { level: logger.levelVal > 40 ? logger.level : 'warn' })),
      shutdownSignals: [],
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
    });
    const nativeConnection = await setupStep(`connect to Temporal at ${temporalAddress}`, () => NativeConnection.connect({ address: temporalAddress }));
    stops.push(['worker connection', () => nativeConnection.close()]);
    // Cloud devices: the embedded MQTT broker and the gateway, which the worker's activities send through.
    const gatewayConnection = await Connection.connect({ address: temporalAddress });
    stops.push(['gateway connection', () => gatewayConnection.close()]);
    const gateway = await setupStep(`start the MQTT broker and device gateway on ${config.devices.mqttUrl ?? `${config.devices.mqttHost}:${config.devices.mqttPort}`}`, () => startDeviceGatewayFromConfig(config, {
      orm,
      databaseUrl: db.url,
      temporal: new Client({ connection: gatewayConnection, namespace: config.temporal.namespace }),
      logger,
    }));
    stops.push(['device gateway', () => gateway.close()]);
    const worker = await setupStep('start the worker', () => createFamilyWorkers({
      connection: nativeConnection,
      namespace: config.temporal.namespace,
      queues: config.temporal.queues,
      families: config.worker.families,
      maxActivities: config.worker.maxActivities,
      deps: activityDeps(config, { orm, hikcentral, photos, terminals }, { link: gateway.client, requestTimeoutMs: config.devices.requestTimeoutMs }),
    }));
    const workerRun = worker.run();
    stops.push([
      'worker',
      async () => {
        worker.shutdown();
        await workerRun;
      },
    ]);

    const connection = await Connection.connect({ address: temporalAddress });
    stops.push(['client connection', () => connection.close()]);
    const temporal = new Client({ connection, namespace: config.temporal.namespace });
    // Read the demo terminals' capabilities (what `auto` enrolment needs), as POST /api/terminals/:id/probe would.
    for (const t of await orm.em.fork().find(Terminal, {})) {
      void startTerminalProbe({ client: temporal, queues: config.temporal.queues }, t.id)
        .catch((e: unknown) => logger.warn({ err: e, terminal: t.name }, 'terminal probe not started'));
    }
    const token = adminToken(config.api.token, config.dataDir);
    // The embedded stack imports photo dumps from a folder in its data dir unless told otherwise.
    const apiConfig: Config = {
      ...config,
      secretKey: config.secretKey ?? persistentDevSecretKey(config.dataDir),
      photos: { ...config.photos, importRoot: config.photos.importRoot ?? resolve(config.dataDir, 'photo-dumps') },
    };
    // The default import folder is gatesync's own (people's photos: owner-only); one the user names is theirs.
    if (config.photos.importRoot === undefined) ensurePrivateDirSync(apiConfig.photos.importRoot as string);
    else mkdirSync(config.photos.importRoot, { recursive: true });
    const app = createApp(buildApiDeps({ config: apiConfig, orm, temporal, hikcentral, token: token.value, logger, secrets }));
    const server: Server = await setupStep(`start the API on ${config.api.host}:${config.api.port}`, () => listen(app, config.api.port, config.api.host));
    stops.push(['api', () => new Promise<void>((r) => server.close(() => r()))]);
    const fleet = await setupStep('start the simulated doors', () => startDemoDevices({ orm, url: gateway.url, count: config.devices.simCount, dataDir: config.dataDir, appId: config.devices.appId, logger }));
    if (fleet !== null) stops.push(['simulated devices', fleet.stop]);

    process.stdout.write(
      startBanner({
        apiUrl: `http://${config.api.host}:${config.api.port}`,
        temporalUiUrl: uiUrl,
        temporalAddress,
        namespace: config.temporal.namespace,
        hikCentralUrl: hikUrl,
        hikCentralSimulated: config.hikcentral.url === undefined,
        terminals: demoTerminals.simulators.map((s) => `${s.url} (${s.profile.model})`),
        devicesUrl: gateway.url,
        devices: fleet?.devices.map((d) => d.deviceId) ?? null,
        token,
        importRoot: apiConfig.photos.importRoot ?? '',
      }),
    );
  } catch (e) {
    // Plain words on stderr, whatever the log level: which step failed and why.
    process.stderr.write(`\ngatesync could not start: ${e instanceof SetupStepError ? e.message : reasonOf(e)}\n\n`);
    logger.debug({ err: e }, 'start-up failed');
    await stopAll();
    process.exit(1);
  }
}

/** A generated key for sealing terminal passwords, kept in the data dir (GATESYNC_SECRET_KEY replaces it). */
function persistentDevSecretKey(dataDir: string): Buffer {
  const file = join(dataDir, 'secret-key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  const key = randomBytes(32);
  writePrivateFileSync(file, `${key.toString('hex')}\n`);
  return key;
}

/** Resolves once listening; rejects with the reason (e.g. the port is taken) instead of crashing. */
function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolveListen, reject) => {
    const s = app.listen(port, host);
    s.once('listening', () => resolveListen(s));
    s.once('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code === 'EADDRINUSE' ? `port ${port} is in use (set API_PORT)` : e.message)));
  });
}

void main();
