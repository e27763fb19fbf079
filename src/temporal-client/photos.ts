import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TemporalContext } from './temporal-context';
import type { bulkPhotoImport } from '../workflows/photos/bulk-photo-import.workflow';
import type { personPhotoIntake } from '../workflows/photos/person-photo-intake.workflow';
import type { personPhotoComparison } from '../workflows/photos/person-photo-comparison.workflow';
import {
  PhotoWorkflow,
  importProgressQuery,
  personPhotoComparisonWorkflowId,
  personPhotoIntakeWorkflowId,
  photoImportWorkflowId,
  type PersonPhotoIntakeInput,
  type ImportSource,
  type PhotoImportProgress,
} from '../contracts/photos';

export type PhotoImportHandle = WorkflowHandle<typeof bulkPhotoImport>;

/** Starts importing a folder or a saved zip; the caller has created the import's row under `importId` first. */
export async function startPhotoImport(
  t: TemporalContext,
  importId: string,
  source: ImportSource,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof bulkPhotoImport>> {
  return t.client.workflow.start<typeof bulkPhotoImport>(PhotoWorkflow.bulkPhotoImport, {
    taskQueue: t.queues.photos,
    workflowId: photoImportWorkflowId(importId),
    args: [{ importId, source }],
  });
}

/**
 * An import's workflow by the id its photo_import row recorded when it started, not one rebuilt from the import id:
 * the row is the record of which run imports it.
 */
export const photoImportHandle = (t: TemporalContext, workflowId: string): PhotoImportHandle =>
  t.client.workflow.getHandle<typeof bulkPhotoImport>(workflowId);

export const photoImportProgress = (h: PhotoImportHandle): Promise<PhotoImportProgress> => h.query(importProgressQuery);

export type PhotoIntakeHandle = WorkflowHandleWithFirstExecutionRunId<typeof personPhotoIntake>;

/** Starts the intake of one staged upload on the photos queue; one run per upload. */
export function startPersonPhotoIntake(t: TemporalContext, input: PersonPhotoIntakeInput): Promise<PhotoIntakeHandle> {
  return t.client.workflow.start<typeof personPhotoIntake>(PhotoWorkflow.personPhotoIntake, {
    taskQueue: t.queues.photos,
    workflowId: personPhotoIntakeWorkflowId(input.uploadId),
    args: [input],
  });
}

export type PhotoComparisonHandle = WorkflowHandleWithFirstExecutionRunId<typeof personPhotoComparison>;

/** Starts comparing a person's records photo with HikCentral's, or joins the comparison of them already running. */
export function startPersonPhotoComparison(t: TemporalContext, ci: string): Promise<PhotoComparisonHandle> {
  return t.client.workflow.start<typeof personPhotoComparison>(PhotoWorkflow.personPhotoComparison, {
    taskQueue: t.queues.photos,
    workflowId: personPhotoComparisonWorkflowId(ci),
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    args: [{ ci }],
  });
}
