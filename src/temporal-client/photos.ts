import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TemporalContext } from './temporal-context';
import type { bulkPhotoImport } from '../workflows/photos/bulk-photo-import.workflow';
import {
  PhotoWorkflow,
  importProgressQuery,
  photoImportWorkflowId,
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
