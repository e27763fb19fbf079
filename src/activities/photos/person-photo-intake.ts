import type { EntityManager } from '@mikro-orm/postgresql';
import type { PersonPhotoIntakeResult } from '../../contracts';
import { storePersonPhoto, type PhotoPipeline } from '../../db/repositories/photos/person-photo-store';
import { removePhotoUpload, stagedPhoto } from '../../db/repositories/photos/photo-uploads';
import { PhotoInputError, detectFormat } from '../../photos/photo-intake';

/**
 * One uploaded photo through intake, in the worker: the format the bytes really have against the one declared,
 * decode and re-encode, the checks, the duplicate search under the face-index lock, storage. A refusal is the
 * uploader's mistake and is answered, not thrown; either way the staged bytes are removed. Anything else (the
 * database down) throws and is retried with the staged bytes still there.
 */
export async function intakePersonPhoto(em: EntityManager, photos: PhotoPipeline, uploadId: string): Promise<PersonPhotoIntakeResult> {
  const staged = await stagedPhoto(em, uploadId);
  if (staged === null) return { outcome: 'gone' };
  let result: PersonPhotoIntakeResult;
  try {
    const actual = await detectFormat(staged.data);
    if (actual !== staged.declaredFormat) {
      result = { outcome: 'refused', reason: 'contentTypeMismatch', message: `Content-Type says ${staged.declaredFormat} but the bytes are ${actual}` };
    } else {
      const { photo, unchanged } = await storePersonPhoto(em, photos, staged.person, staged.data);
      result = { outcome: 'stored', version: photo.version, unchanged, checksPassed: photo.checksPassed };
    }
  } catch (e) {
    if (!(e instanceof PhotoInputError)) throw e;
    result = { outcome: 'refused', reason: e.reason, message: e.message };
  }
  await removePhotoUpload(em, uploadId);
  return result;
}
