import sharp from 'sharp';
import { Runtime, type NativeConnection } from '@temporalio/worker';
import { startDeviceGatewayFromConfig } from '../gateway/gateway-from-config';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { temporalSdkLogger } from '../logging/temporal-sdk-logger';
import { createFamilyWorkers } from './worker';
import { activityDeps, createDeps, serviceAddresses } from '../deps';

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
  const deps = await createDeps(config, serviceAddresses(config), { worker: true });
  const gateway = await startDeviceGatewayFromConfig(config, { orm: deps.orm, databaseUrl: config.database.url as string, temporal: deps.temporal, logger });
  const workers = await createFamilyWorkers({
    connection: deps.nativeConnection as NativeConnection,
    namespace: config.temporal.namespace,
    queues: config.temporal.queues,
    families: config.worker.families,
    maxActivities: config.worker.maxActivities,
    workflowBundle: config.temporal.workflowBundlePath !== undefined ? { codePath: config.temporal.workflowBundlePath } : undefined,
    deps: activityDeps(config, deps, { link: gateway.client, requestTimeoutMs: config.devices.requestTimeoutMs }),
  });
  logger.info({ taskQueues: workers.queues }, 'worker started');
  // Worker.run() installs SIGINT/SIGTERM handlers that drain in-flight tasks before resolving.
  await workers.run();
  await gateway.close();
  await deps.close();
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
