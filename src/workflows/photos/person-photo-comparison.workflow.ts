import type { PersonPhotoComparisonInput, PersonPhotoComparisonResult } from '../../contracts';
import { photoIntake } from '../activity-profiles';

/** A person's records photo against HikCentral's, compared by a photos worker; the history holds only the verdict. */
export async function personPhotoComparison(input: PersonPhotoComparisonInput): Promise<PersonPhotoComparisonResult> {
  return photoIntake.comparePersonPhotos({ ci: input.ci });
}
