import sharp from 'sharp';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { startDeviceGatewayFromConfig } from '../gateway/gateway-from-config';
import { ConfigError, hikCentralSyncSettings, loadConfig } from '../config';
import { createLogger } from '../logger';
import { temporalSdkLogger } from '../logging/temporal-sdk-logger';
import { initOrm } from '../db/orm';
import { createHikCentralClient } from '../targets/hikcentral/client/factory';
import { createHikCentralWorker } from './worker';
import { FaceIndexStore } from '../photos/face-index-store';
import { TerminalClients } from '../activities/terminals/terminal-clients';
import { SecretBox } from '../security/secret-box';

/** `npm run worker`: the worker against external services (DATABASE_URL, TEMPORAL_ADDRESS, HIKCENTRAL_URL). */
async function main(): Promise<void> {
  // Photos are rendered once and kept in PostgreSQL; libvips' own operation cache would only hold memory.
  sharp.cache(false);
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'gatesync-worker');
  // The SDK's own lines ("Activity failed" with the error) through gatesync's serializers, at LOG_LEVEL.
  Runtime.install({ logger: temporalSdkLogger(logger.child({ component: 'temporal-sdk' })) });
  const missing = [
    ['DATABASE_URL', config.database.url],
    ['TEMPORAL_ADDRESS', config.temporal.address],
    ['HIKCENTRAL_URL', config.hikcentral.url],
    ['GATESYNC_SECRET_KEY', config.secretKey],
  ].filter(([, v]) => v === undefined);
  if (missing.length > 0) throw new ConfigError(missing.map(([n]) => `${n}: required by the standalone worker (npm start embeds everything instead)`));
  const orm = await initOrm(config.database.url as string);
  const hikcentral = createHikCentralClient(config.hikcentral, config.hikcentral.url as string);
  const connection = await NativeConnection.connect({ address: config.temporal.address as string });
  // The deployment's one device gateway (issue 5 §1) lives with the worker: activities send through it.
  const clientConnection = await Connection.connect({ address: config.temporal.address as string });
  const temporal = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
  const gateway = await startDeviceGatewayFromConfig(config, { orm, databaseUrl: config.database.url as string, temporal, logger });
  const worker = await createHikCentralWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowBundle: config.temporal.workflowBundlePath !== undefined ? { codePath: config.temporal.workflowBundlePath } : undefined,
    deps: {
      orm,
      hikcentral,
      settings: hikCentralSyncSettings(config),
      photos: { settings: config.photos.settings, faces: new FaceIndexStore() },
      terminals: new TerminalClients(new SecretBox(config.secretKey as Buffer), config.terminals.timeoutMs),
      terminalValidityDays: config.terminals.validityDays,
      terminalCapturePollMs: config.terminals.capturePollMs,
      devices: { link: gateway.client, requestTimeoutMs: config.devices.requestTimeoutMs },
    },
  });
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker started');
  // Worker.run() installs SIGINT/SIGTERM handlers that drain in-flight tasks before resolving.
  await worker.run();
  await gateway.close();
  await clientConnection.close();
  await connection.close();
  await hikcentral.close();
  await orm.close();
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
