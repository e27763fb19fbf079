import type { EntityManager } from '@mikro-orm/postgresql';
import { Person, PhotoUpload } from '../../entities';

/** A staged upload older than this was abandoned (its intake never ran, e.g. the API died in between): purged. */
const ABANDONED_AFTER_MS = 60 * 60_000;

/** Stages an uploaded photo for the worker's intake; returns the row's id, the only thing the workflow carries. */
export async function stagePhotoUpload(em: EntityManager, personId: string, declaredFormat: string, data: Buffer): Promise<string> {
  const row = new PhotoUpload({ person: em.getReference(Person, personId, { wrapped: true }), declaredFormat, data });
  await em.persistAndFlush(row);
  return row.id;
}

export interface StagedPhoto {
  person: Person;
  declaredFormat: string;
  data: Buffer;
}

/** The staged upload with its person; null when it was taken already (a retried intake) or its person was deleted. */
export async function stagedPhoto(em: EntityManager, uploadId: string): Promise<StagedPhoto | null> {
  const row = await em.findOne(PhotoUpload, { id: uploadId }, { populate: ['data', 'person'] });
  if (row === null) return null;
  return { person: row.person.getEntity(), declaredFormat: row.declaredFormat, data: row.data };
}

/** Removes the upload once intake has decided (stored or refused), and any abandoned ones with it. */
export async function removePhotoUpload(em: EntityManager, uploadId: string): Promise<void> {
  await em.nativeDelete(PhotoUpload, { $or: [{ id: uploadId }, { createdAt: { $lt: new Date(Date.now() - ABANDONED_AFTER_MS) } }] });
}
