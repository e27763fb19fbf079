import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TemporalContext } from './temporal-context';
import type { personPhotoIntake } from '../workflows/photos/person-photo-intake.workflow';
import type { personPhotoComparison } from '../workflows/photos/person-photo-comparison.workflow';
import {
  PHOTO_COMPARISON_WORKFLOW,
  PHOTO_INTAKE_WORKFLOW,
  personPhotoComparisonWorkflowId,
  personPhotoIntakeWorkflowId,
  type PersonPhotoIntakeInput,
} from '../contracts/photos';

export type PhotoIntakeHandle = WorkflowHandleWithFirstExecutionRunId<typeof personPhotoIntake>;

/** Starts the intake of one staged upload on the photos queue; one run per upload. */
export function startPersonPhotoIntake(t: TemporalContext, input: PersonPhotoIntakeInput): Promise<PhotoIntakeHandle> {
  return t.client.workflow.start<typeof personPhotoIntake>(PHOTO_INTAKE_WORKFLOW, {
    taskQueue: t.queues.photos,
    workflowId: personPhotoIntakeWorkflowId(input.uploadId),
    args: [input],
  });
}

export type PhotoComparisonHandle = WorkflowHandleWithFirstExecutionRunId<typeof personPhotoComparison>;

/** Starts comparing a person's records photo with HikCentral's, or joins the comparison of them already running. */
export function startPersonPhotoComparison(t: TemporalContext, ci: string): Promise<PhotoComparisonHandle> {
  return t.client.workflow.start<typeof personPhotoComparison>(PHOTO_COMPARISON_WORKFLOW, {
    taskQueue: t.queues.photos,
    workflowId: personPhotoComparisonWorkflowId(ci),
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    args: [{ ci }],
  });
}
