import sharp from 'sharp';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { hikCentralSyncSettings, loadConfig } from '../src/config';
import { initOrm } from '../src/db/orm';
import { createHikCentralClient } from '../src/targets/hikcentral/factory';
import { createHikCentralWorker } from '../src/workers/worker';

// The production worker's wiring, as a separate process for the benchmark's memory figure.
async function main(): Promise<void> {
  // Photos are rendered once and kept in PostgreSQL; libvips' own operation cache would only hold memory.
  sharp.cache(false);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const config = loadConfig();
  const orm = await initOrm(config.database.url as string);
  const hikcentral = createHikCentralClient(config.hikcentral, config.hikcentral.url as string);
  const connection = await NativeConnection.connect({ address: config.temporal.address as string });
  const worker = await createHikCentralWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowBundle: config.temporal.workflowBundlePath !== undefined ? { codePath: config.temporal.workflowBundlePath } : undefined,
    deps: { orm, hikcentral, settings: hikCentralSyncSettings(config) },
  });
  const running = worker.run();
  process.stdout.write('worker ready\n');
  await running;
  await connection.close();
  await hikcentral.close();
  await orm.close();
}
void main();
