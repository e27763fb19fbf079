import { join } from 'node:path';
import { Worker, bundleWorkflowCode, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Family, TaskQueues } from '../contracts/task-queues';
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

export interface FamilyWorkersParams extends Omit<WorkerParams, 'taskQueue' | 'options'> {
  queues: TaskQueues;
  /** The families this process serves (WORKER_QUEUES). */
  families: readonly Family[];
  maxActivities: Record<Family, number>;
}

export interface FamilyWorkers {
  /** The queues served, one Worker each. */
  queues: string[];
  /** Resolves when every Worker has stopped (each drains on SIGINT/SIGTERM or shutdown()). */
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * One Worker per served family queue, all from one bundle (bundled once here if none was prebuilt). Families
 * sharing a queue (singleTaskQueue) get one Worker with the largest of their limits.
 */
export async function createFamilyWorkers(p: FamilyWorkersParams): Promise<FamilyWorkers> {
  const limits = new Map<string, number>();
  for (const f of p.families) limits.set(p.queues[f], Math.max(limits.get(p.queues[f]) ?? 0, p.maxActivities[f]));
  const workflowBundle = p.workflowBundle ?? (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH }));
  const workers: Worker[] = [];
  for (const [taskQueue, limit] of limits) {
    workers.push(await createHikCentralWorker({ ...p, taskQueue, workflowBundle, options: { maxConcurrentActivityTaskExecutions: limit } }));
  }
  return {
    queues: [...limits.keys()],
    run: async () => {
      await Promise.all(workers.map((w) => w.run()));
    },
    shutdown: () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
