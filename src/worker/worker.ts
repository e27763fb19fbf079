import { join } from 'node:path';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities, type ActivityDeps } from '../activities';
import { driverErrorsWithoutValues } from './driver-error-interceptor';

export interface WorkerParams {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (STYLE: samples `production`); otherwise the workflows are bundled now. */
  workflowBundle?: { code: string } | { codePath: string };
  logger?: Logger;
  options?: Partial<WorkerOptions>;
}

/** The workflows directory; the bundler resolves its index (.ts from source, .js from dist). */
export const WORKFLOWS_PATH = join(__dirname, '..', 'workflows');

/** One Worker for the HikCentral task queue; deps are built once by the caller (STYLE §3). */
export async function createHikCentralWorker(p: WorkerParams): Promise<Worker> {
  return Worker.create({
    connection: p.connection,
    namespace: p.namespace,
    taskQueue: p.taskQueue,
    activities: createActivities(p.deps),
    ...(p.workflowBundle !== undefined ? { workflowBundle: p.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    // One person at a time per run is the workflow's rule; several runs may proceed side by side.
    maxConcurrentActivityTaskExecutions: 20,
    shutdownGraceTime: '10s',
    ...p.options,
    interceptors: {
      ...p.options?.interceptors,
      activity: [driverErrorsWithoutValues, ...(p.options?.interceptors?.activity ?? [])],
    },
  });
}
