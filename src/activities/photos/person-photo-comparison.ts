import type { EntityManager } from '@mikro-orm/postgresql';
import type { PersonPhotoComparisonResult } from '../../contracts';
import { currentPhotoBytes } from '../../db/repositories/person-repository';
import { NoUsableFaceError, compareFaces } from '../../photos/face-compare';
import type { HikCentralClient } from '../../targets/hikcentral/client/client';
import { hikCentralPhotoOf } from '../../targets/hikcentral/client/person-photo';

/**
 * Seed 000's "compare-hikdoc-est" in the worker: the records photo against the one HikCentral holds, face
 * descriptor against descriptor. Only the verdict leaves the activity, never either photo.
 */
export async function comparePersonPhotos(em: EntityManager, hikcentral: HikCentralClient, ci: string, maxDistance: number): Promise<PersonPhotoComparisonResult> {
  const records = await currentPhotoBytes(em, ci);
  if (records === null) return { outcome: 'noRecordsPhoto' };
  const onTarget = await hikCentralPhotoOf(hikcentral, ci);
  if (onTarget === null) return { outcome: 'noTargetPhoto' };
  try {
    return { outcome: 'compared', ...(await compareFaces(records.data, onTarget, maxDistance)) };
  } catch (e) {
    if (e instanceof NoUsableFaceError) return { outcome: 'noUsableFace', error: e.message };
    throw e;
  }
}
