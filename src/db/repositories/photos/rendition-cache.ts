import type { EntityManager } from '@mikro-orm/postgresql';
import { Photo, PhotoRendition } from '../../entities';
import { profileKey, renderForTarget, type TargetPhotoProfile } from '../../../photos/target-profiles';

/**
 * The photo as a target wants it, from the cache when it was rendered before for the same photo
 * version and profile; otherwise rendered once and stored. Bytes stay in PostgreSQL and the
 * activity's memory, never in Temporal payloads.
 */
export async function renditionFor(em: EntityManager, photo: Photo, profile: TargetPhotoProfile): Promise<Buffer> {
  const key = profileKey(profile);
  const cached = await em.findOne(PhotoRendition, { photo: photo.id, profile: key }, { populate: ['data'] as never });
  if (cached !== null) return cached.data;
  const source = photo.data ?? (await em.findOneOrFail(Photo, { id: photo.id }, { populate: ['data'] as never })).data;
  const r = await renderForTarget(source, profile, photo.checks?.face);
  // Two syncs of one person may render at once: the unique (photo, profile) keeps one row.
  await em
    .getConnection()
    .execute(
      `insert into photo_rendition (id, created_at, updated_at, photo_id, profile, width, height, byte_size, data)
       values (gen_random_uuid(), now(), now(), ?, ?, ?, ?, ?, ?) on conflict (photo_id, profile) do nothing`,
      [photo.id, key, r.width, r.height, r.data.length, r.data],
    );
  return r.data;
}
