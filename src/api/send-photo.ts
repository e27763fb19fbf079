import type { Response } from 'express';
import type { EntityManager } from '@mikro-orm/postgresql';
import { currentPhotoBytes } from '../db/repositories/person-repository';
import { notFound } from './http-errors';

export function sendPhoto(res: Response, photo: { data: Buffer; format: string }): void {
  res
    .type(photo.format === 'png' ? 'image/png' : photo.format === 'webp' ? 'image/webp' : 'image/jpeg')
    .send(photo.data);
}

/** The person's current photo as the answer, or 404. */
export async function sendCurrentPhoto(em: EntityManager, ci: string, res: Response): Promise<void> {
  const photo = await currentPhotoBytes(em, ci);
  if (photo === null) throw notFound(`photo of ${ci}`);
  sendPhoto(res, photo);
}
