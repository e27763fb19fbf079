import type { MikroORM } from '@mikro-orm/postgresql';
import sharp from 'sharp';
import { Person } from '../db/entities';
import { createPerson } from '../db/repositories/person-repository';
import { storePersonPhoto, type PhotoPipeline } from '../db/repositories/photos/person-photo-store';
import { SAMPLE_PHOTO_COUNT, samplePortraits } from './sample-faces';

/** The career whose people get the sample faces (below); the `AWAITING_PHOTOS` careers wait for theirs. */
export const DEMO_FACES_CAREER = 'Ingeniería de Software';
const AWAITING_PHOTOS = ['Medicina', 'Derecho'];
const GIVEN = ['María', 'José', 'Lucía', 'Carlos', 'Ana', 'Luis', 'Sofía', 'Diego', 'Valeria', 'Andrés', 'Camila', 'Jorge'];
const FAMILY = ['Pérez', 'García', 'Loor', 'Zambrano', 'Mendoza', 'Vera', 'Cedeño', 'Macías', 'Intriago', 'Moreira'];

const ciOf = (n: number): string => `13${String(10000000 + n * 7919).slice(-8)}`;

/**
 * Demo careers, people and photos for `npm start`; idempotent (people already present are left as
 * they are). `DEMO_FACES_CAREER`'s people get real faces — cut from the group photos that ship in the
 * face-api package — through the same intake as the API, so the demo shows every outcome: faces that
 * pass, heads turned too far, a crop with two faces, a 300×300 photo (seed 000's 400×400 rule) and
 * one face given to two people (flagged as a duplicate). The other careers await their photos
 * (drop `<ci>.jpg` files into the photo-dumps folder and import them).
 */
export async function seedDemoData(orm: MikroORM, photos: PhotoPipeline, perCareer = 12): Promise<{ created: number }> {
  let created = 0;
  const add = async (n: number, career: string, photo?: Buffer): Promise<void> => {
    const ci = ciOf(n);
    const em = orm.em.fork();
    if ((await em.count(Person, { ci })) > 0) return;
    const person = await createPerson(em, {
      ci,
      givenName: GIVEN[n % GIVEN.length] ?? 'Ana',
      familyName: FAMILY[n % FAMILY.length] ?? 'Pérez',
      secondFamilyName: FAMILY[(n * 3 + 1) % FAMILY.length] ?? null,
      career,
      kind: 'student',
    });
    if (photo !== undefined) await storePersonPhoto(em, photos, person, photo);
    created++;
  };
  // Cutting the faces runs the face model over six photos: only when the faces career is still empty.
  const first = DEMO_FACES_CAREER;
  if ((await orm.em.fork().count(Person, { career: { name: first } })) === 0) {
    const faces: Buffer[] = [];
    for (let s = 1; s <= SAMPLE_PHOTO_COUNT; s++) faces.push(...(await samplePortraits(s)));
    for (const [i, face] of faces.entries()) await add(i, first, face);
    // Two passing faces again: one as a 300×300 photo, one as another person's photo.
    await add(faces.length, first, await sharp(faces[13]).resize(300, 300).jpeg({ quality: 90 }).toBuffer());
    await add(faces.length + 1, first, await sharp(faces[10]).jpeg({ quality: 80 }).toBuffer());
  }
  for (const [c, career] of AWAITING_PHOTOS.entries()) {
    for (let i = 0; i < perCareer; i++) await add((c + 1) * 100 + i, career);
  }
  return { created };
}
