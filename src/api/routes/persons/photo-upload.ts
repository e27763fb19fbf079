import type { ApiDeps } from '../../deps';
import { temporalOf } from '../../temporal-of';
import type { Person } from '../../../db/entities';
import type { PersonPhotoIntakeResult } from '../../../contracts';
import { removePhotoUpload, stagePhotoUpload } from '../../../db/repositories/photos/photo-uploads';
import { startPersonPhotoIntake } from '../../../temporal-client/photos';
import { waitForWorkflow } from '../../workflow-wait';

/**
 * Hands an uploaded photo to a photos worker and waits for its verdict: the bytes are staged in PostgreSQL and the
 * intake workflow carries only the upload's id, so this process never decodes an image. A caller still waiting
 * past `photoIntakeTimeoutMs` gets a 504 naming the workflow, which finishes the intake anyway.
 */
export async function intakeUploadedPhoto(deps: ApiDeps, person: Person, declaredFormat: string, bytes: Buffer): Promise<PersonPhotoIntakeResult> {
  const em = deps.orm.em.fork();
  const uploadId = await stagePhotoUpload(em, person.id, declaredFormat, bytes);
  let handle;
  try {
    handle = await startPersonPhotoIntake(temporalOf(deps), { uploadId, ci: person.ci });
  } catch (e) {
    // Nobody will take these bytes: they must not stay behind.
    await removePhotoUpload(em, uploadId);
    throw e;
  }
  return waitForWorkflow(handle.result(), deps.photoIntakeTimeoutMs ?? 60_000, handle.workflowId, 'the photo is still being checked');
}
