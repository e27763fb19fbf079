import { WorkflowIdConflictPolicy, WorkflowNotFoundError } from '@temporalio/client';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TemporalContext } from './temporal-context';
import type { syncPerson } from '../workflows/hikcentral/sync-person.workflow';
import type { bulkCareerSync } from '../workflows/hikcentral/bulk-career-sync.workflow';
import {
  HikCentralWorkflow,
  bulkCareerSyncWorkflowId,
  cancelSignal,
  isBulkCareerSyncWorkflowId,
  pauseSignal,
  progressQuery,
  resumeSignal,
  syncPersonWorkflowId,
  type BulkCareerSyncInput,
  type BulkSyncProgress,
} from '../contracts/hikcentral';

export type PersonSyncHandle = WorkflowHandleWithFirstExecutionRunId<typeof syncPerson>;
export type BulkCareerSyncHandle = WorkflowHandle<typeof bulkCareerSync>;

/**
 * Starts syncing one person to HikCentral, or joins the sync of them already running: two requests for one ci
 * share one run instead of racing each other on HikCentral.
 */
export async function startPersonSync(t: TemporalContext, ci: string): Promise<PersonSyncHandle> {
  return t.client.workflow.start<typeof syncPerson>(HikCentralWorkflow.syncPerson, {
    taskQueue: t.queues.hikcentral,
    workflowId: syncPersonWorkflowId(ci),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    args: [{ ci }],
  });
}

/**
 * One bulk sync per career at a time; a second start fails with WorkflowExecutionAlreadyStartedError
 * (`bulkCareerSyncHandle` names the run that holds the id).
 */
export async function startBulkCareerSync(
  t: TemporalContext,
  input: BulkCareerSyncInput,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof bulkCareerSync>> {
  return t.client.workflow.start<typeof bulkCareerSync>(HikCentralWorkflow.bulkCareerSync, {
    taskQueue: t.queues.hikcentral,
    workflowId: bulkCareerSyncWorkflowId(input.career),
    args: [input],
  });
}

/** The latest run of a career's bulk sync, running or closed. */
export const bulkCareerSyncHandle = (t: TemporalContext, career: string): BulkCareerSyncHandle =>
  t.client.workflow.getHandle<typeof bulkCareerSync>(bulkCareerSyncWorkflowId(career));

/**
 * A bulk career sync named by a caller's workflow id (the syncs routes take it from the URL):
 * - `other`: not a bulk career sync's id, by its form or by the type Temporal reports. Another feature's workflow
 *   (a door's device-sync, a terminal's enrolment) is never queried or signalled through this.
 * - `unknown`: Temporal knows no workflow under this id (any more).
 */
export type BulkCareerSyncLookup =
  | { found: 'running' | 'closed'; handle: BulkCareerSyncHandle }
  | { found: 'unknown' }
  | { found: 'other' };

export async function findBulkCareerSync(t: TemporalContext, workflowId: string): Promise<BulkCareerSyncLookup> {
  if (!isBulkCareerSyncWorkflowId(workflowId)) return { found: 'other' };
  const handle = t.client.workflow.getHandle<typeof bulkCareerSync>(workflowId);
  try {
    const d = await handle.describe();
    if (d.type !== HikCentralWorkflow.bulkCareerSync) return { found: 'other' };
    return { found: d.status.name === 'RUNNING' ? 'running' : 'closed', handle };
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return { found: 'unknown' };
    throw e;
  }
}

export const bulkCareerSyncProgress = (h: BulkCareerSyncHandle): Promise<BulkSyncProgress> => h.query(progressQuery);

/** The signals an admin may send a running bulk sync, by the name the syncs routes give them. */
export const BULK_CAREER_SYNC_CONTROLS = ['pause', 'resume', 'cancel'] as const;
export type BulkCareerSyncControl = (typeof BULK_CAREER_SYNC_CONTROLS)[number];

const CONTROL_SIGNALS = { pause: pauseSignal, resume: resumeSignal, cancel: cancelSignal } as const;

export const controlBulkCareerSync = (h: BulkCareerSyncHandle, control: BulkCareerSyncControl): Promise<void> =>
  h.signal(CONTROL_SIGNALS[control]);
