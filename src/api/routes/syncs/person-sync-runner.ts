import { WorkflowIdConflictPolicy } from '@temporalio/client';
import type { ApiDeps } from '../../deps';
import { syncPersonWorkflowId, type SyncPersonResult } from '../../../contracts';
import type { syncPerson } from '../../../workflows/hikcentral/sync-person.workflow';
import { waitForWorkflow } from '../../workflow-wait';

/**
 * Starts `syncPerson` (or joins the one already running for this ci) and waits for its outcome.
 * The workflow keeps going if the wait times out; the caller gets 504 and can ask again.
 */
export async function runPersonSync(deps: ApiDeps, ci: string): Promise<SyncPersonResult> {
  const handle = await deps.temporal.workflow.start<typeof syncPerson>('syncPerson', {
    taskQueue: deps.queues.hikcentral,
    workflowId: syncPersonWorkflowId(ci),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    args: [{ ci }],
  });
  return waitForWorkflow(handle.result(), deps.personSyncTimeoutMs ?? 60_000, handle.workflowId, 'the sync is still running');
}
