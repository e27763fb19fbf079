import type { Client } from '@temporalio/client';
import type { TaskQueues } from '../contracts/task-queues';

/**
 * What every typed starter, signaller and query of this layer needs: the Temporal client and where each family's
 * workflows run. Callers (the API, the gateway, `npm start`, tests, benchmarks) never name a workflow type, a task
 * queue or a workflow id themselves; this layer builds them from the contracts module.
 */
export interface TemporalContext {
  client: Client;
  queues: TaskQueues;
}
