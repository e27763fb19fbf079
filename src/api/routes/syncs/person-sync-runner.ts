import type { ApiDeps } from '../../deps';
import type { SyncPersonResult } from '../../../contracts';
import { startPersonSync } from '../../../temporal-client/hikcentral';
import { temporalOf } from '../../temporal-of';
import { waitForWorkflow } from '../../workflow-wait';

/**
 * Starts `syncPerson` (or joins the one already running for this ci) and waits for its outcome.
 * The workflow keeps going if the wait times out; the caller gets 504 and can ask again.
 */
export async function runPersonSync(deps: ApiDeps, ci: string): Promise<SyncPersonResult> {
  const handle = await startPersonSync(temporalOf(deps), ci);
  return waitForWorkflow(handle.result(), deps.personSyncTimeoutMs ?? 60_000, handle.workflowId, 'the sync is still running');
}
