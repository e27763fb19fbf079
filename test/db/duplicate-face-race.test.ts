import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { MikroORM } from '@mikro-orm/postgresql';
import { initOrm } from '../../src/db/orm';
import { Person } from '../../src/db/entities';
import { createPerson } from '../../src/db/repositories/person-repository';
import { storePersonPhoto, type PhotoPipeline } from '../../src/db/repositories/photos/person-photo-store';
import { FaceIndexStore } from '../../src/photos/face-index-store';
import { DEFAULT_PHOTO_SETTINGS } from '../../src/photos/photo-settings';
import { startServices, type Services } from '../helpers/services';
import { frontalPortrait } from '../helpers/faces';

/**
 * Two processes (each its own pool and its own in-memory face index, as two API or worker processes have) store
 * photos of one face for two different people at the same moment: exactly one of the two must be flagged as the
 * other's face. Without the face-index lock both searches run before either insert and both pass.
 */
describe('the duplicate-face check across processes (real PostgreSQL, real face model)', () => {
  let s: Services;
  const orms: MikroORM[] = [];
  beforeAll(async () => {
    s = await startServices();
    for (let i = 0; i < 2; i++) orms.push(await initOrm(s.databaseUrl));
  });
  afterAll(async () => {
    for (const orm of orms) await orm.close(true);
    await s?.close();
  });

  it('should flag exactly one of two people racing the same face from two processes', async () => {
    const pipelines: PhotoPipeline[] = orms.map(() => ({ settings: DEFAULT_PHOTO_SETTINGS, faces: new FaceIndexStore() }));
    // Each round a face of its own (three different people's faces), as two files: two scans of one person.
    for (let round = 0; round < 3; round++) {
      const original = await frontalPortrait(round);
      const photos = [original, await sharp(original).resize(560).jpeg({ quality: 70 }).toBuffer()];
      const people = await Promise.all(
        [0, 1].map((i) =>
          createPerson((orms[i] as MikroORM).em.fork(), {
            ci: `77${round}${i}${String(Date.now() % 100000).padStart(5, '0')}`,
            givenName: `Racer${i}`,
            familyName: 'Face',
            secondFamilyName: 'Race',
            career: `Race${round}`,
            kind: 'student',
          }),
        ),
      );
      const stored = await Promise.all(
        [0, 1].map(async (i) => {
          const em = (orms[i] as MikroORM).em.fork();
          const person = await em.findOneOrFail(Person, { id: (people[i] as Person).id });
          return storePersonPhoto(em, pipelines[i] as PhotoPipeline, person, photos[i] as Buffer);
        }),
      );
      const flagged = stored.map((r) => r.photo.checks?.rules.find((rule) => rule.rule === 'duplicateFace')?.passed === false);
      expect(flagged.filter(Boolean), `round ${round}: ${JSON.stringify(flagged)}`).toHaveLength(1);
    }
  }, 120_000);
});
