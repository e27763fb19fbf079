import type { ApiDeps } from '../../deps';
import { notFound } from '../../http-errors';
import { currentPhotoBytes } from '../../../db/repositories/person-repository';
import { NoUsableFaceError, compareFaces } from '../../../photos/face-compare';

export type PersonComparison =
  | { ci: string; identical: boolean; similarityPercent: number; distance: number }
  | { ci: string; error: string };

/** The records photo against the one HikCentral holds (`picture_data`), face descriptor against descriptor. */
export async function comparePerson(deps: ApiDeps, ci: string): Promise<PersonComparison> {
  const records = await currentPhotoBytes(deps.orm.em.fork(), ci);
  if (records === null) throw notFound(`photo of ${ci}`);
  const onTarget = await deps.readHikCentralPhoto(ci);
  if (onTarget === null) throw notFound(`HikCentral photo of ${ci}`);
  try {
    return { ci, ...(await compareFaces(records.data, onTarget, deps.photos.settings.matchMaxDistance)) };
  } catch (e) {
    if (e instanceof NoUsableFaceError) return { ci, error: e.message };
    throw e;
  }
}

/** Seed 000's shape: `{ identicas, similitud: "95.5%" }`, or `{ identicas: false, error }` without a usable face. */
export function seedComparison(c: PersonComparison): { identicas: boolean; similitud?: string; error?: string } {
  if ('error' in c) return { identicas: false, error: c.error };
  return { identicas: c.identical, similitud: `${c.similarityPercent.toFixed(1)}%` };
}
