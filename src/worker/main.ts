import sharp from 'sharp';
import { Runtime, type NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { temporalSdkLogger } from '../logging/temporal-sdk-logger';
import { createFamilyWorkers } from './worker';
import { WorkerDeviceLink } from './device-link';
import { activityDeps, createDeps, serviceAddresses } from '../deps';

/**
 * `npm run worker`: the worker of the queues WORKER_QUEUES names, against external services (DATABASE_URL,
 * TEMPORAL_ADDRESS, and what those queues talk to). Run as many as load needs; the device gateway is its own
 * process (`npm run gateway`), and a worker serving the devices queue reaches devices through the broker itself.
 */
async function main(): Promise<void> {
  // Photos are rendered once and kept in PostgreSQL; libvips' own operation cache would only hold memory.
  sharp.cache(false);
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'gatesync-worker');
  // The SDK's own lines ("Activity failed" with the error) through gatesync's serializers, at LOG_LEVEL.
  Runtime.install({ logger: temporalSdkLogger(logger.child({ component: 'temporal-sdk' })) });
  const deps = await createDeps(config, serviceAddresses(config, 'worker'), { worker: true });
  const link = config.worker.families.includes('devices') ? WorkerDeviceLink.open(config, logger) : undefined;
  const workers = await createFamilyWorkers({
    connection: deps.nativeConnection as NativeConnection,
    namespace: config.temporal.namespace,
    queues: config.temporal.queues,
    families: config.worker.families,
    maxActivities: config.worker.maxActivities,
    workflowBundle: config.temporal.workflowBundlePath !== undefined ? { codePath: config.temporal.workflowBundlePath } : undefined,
    deps: activityDeps(config, deps, { link, requestTimeoutMs: config.devices.requestTimeoutMs }),
  });
  logger.info({ taskQueues: workers.queues }, 'worker started');
  // Worker.run() installs SIGINT/SIGTERM handlers that drain in-flight tasks before resolving.
  await workers.run();
  await link?.close();
  await deps.close();
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
