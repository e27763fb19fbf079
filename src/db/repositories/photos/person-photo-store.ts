import type { EntityManager } from '@mikro-orm/postgresql';
import type { Photo, Person} from '../../entities';
import { hasPhotoVersion, setPersonPhoto } from '../person-repository';
import { completeAssessment, examinePhoto, type PhotoAssessment, type PhotoExamination } from '../../../photos/photo-assessment';
import type { FaceIndexStore } from '../../../photos/face-index-store';
import { inspectPhoto } from '../../../photos/photo-intake';
import type { PhotoSettings } from '../../../photos/photo-settings';

/** What intake needs, built once per process (the face model and the index are per process too). */
export interface PhotoPipeline {
  settings: PhotoSettings;
  faces: FaceIndexStore;
}

export interface StoredPersonPhoto {
  photo: Photo;
  /** The person already had exactly these bytes as their current photo. */
  unchanged: boolean;
}

/**
 * Intake of one person's photo, the same for the API and the bulk import: inspect
 * (throws PhotoInputError → 400 / "unreadable"), assess unless this version was assessed before,
 * store, and keep the face index in step. Face detection runs first; the duplicate search and the insert run
 * under the face-index lock (setPersonPhoto), after reading what other processes committed.
 */
export async function storePersonPhoto(em: EntityManager, pipeline: PhotoPipeline, person: Person, bytes: Buffer): Promise<StoredPersonPhoto> {
  const inspected = await inspectPhoto(bytes);
  const unchanged = person.photoVersion === inspected.version;
  const { settings, faces } = pipeline;
  let exam: PhotoExamination | undefined;
  let assessment: PhotoAssessment | undefined;
  const alreadyStored = await hasPhotoVersion(em, person, inspected.version);
  if (!alreadyStored) exam = await examinePhoto(inspected, settings);
  const photo = await setPersonPhoto(em, person, inspected, async () => {
    exam ??= await examinePhoto(inspected, settings);
    const examined = exam;
    if (examined.descriptor !== null) await faces.catchUp(em);
    assessment = await completeAssessment(examined, settings, (d) =>
      faces.nearest(em, d, { maxDistance: settings.duplicateMaxDistance, excludePersonId: person.id }),
    );
    return assessment;
  });
  // A version assessed before changes nothing in the index; the next refresh sees the person's switch back.
  if (assessment?.descriptor) faces.index.upsert(person.id, person.ci, assessment.descriptor);
  else if (assessment !== undefined) faces.index.remove(person.id);
  return { photo, unchanged };
}
