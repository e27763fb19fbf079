import type { PersonPhotoIntakeInput, PersonPhotoIntakeResult } from '../../contracts';
import { photoIntake } from '../activity-profiles';

/**
 * One person's uploaded photo, checked and stored by a photos worker (the API never decodes images). The history
 * holds the upload's id and the outcome, never the bytes: they wait in photo_upload until the activity takes them.
 */
export async function personPhotoIntake(input: PersonPhotoIntakeInput): Promise<PersonPhotoIntakeResult> {
  return photoIntake.intakePersonPhoto({ uploadId: input.uploadId });
}
