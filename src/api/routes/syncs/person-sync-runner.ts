import { WorkflowIdConflictPolicy } from '@temporalio/client';
import type { ApiDeps } from '../../deps';
import { syncPersonWorkflowId, type SyncPersonResult } from '../../../workflows/contracts';
import type { syncPerson } from '../../../workflows/sync-person.workflow';
import { HttpError } from '../../http-errors';

/**
 * Starts `syncPerson` (or joins the one already running for this ci) and waits for its outcome.
 * The workflow keeps going if the wait times out; the caller gets 504 and can ask again.
 */
export async function runPersonSync(deps: ApiDeps, ci: string): Promise<SyncPersonResult> {
  const handle = await deps.temporal.workflow.start<typeof syncPerson>('syncPerson', {
    taskQueue: deps.taskQueue,
    workflowId: syncPersonWorkflowId(ci),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    args: [{ ci }],
  });
  const timeoutMs = deps.personSyncTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      handle.result(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new HttpError(504, 'the sync is still running', { workflowId: handle.workflowId })),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
