import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Person } from '../../src/db/entities';
import { createPerson, setPersonPhoto } from '../../src/db/repositories/person-repository';
import { inspectPhoto, type InspectedPhoto } from '../../src/photos/photo-intake';
import { assessPhoto } from '../../src/photos/photo-assessment';
import { DEFAULT_PHOTO_SETTINGS } from '../../src/photos/photo-settings';
import { waitFor as pollFor } from './wait';

/**
 * Stores a photo the way a deployment with PHOTO_FACE_CHECKS=off does: the seed's rules only. The
 * sync tests use plain generated pictures (and one picture for many people), so they store them
 * without face checks; the face checks have their own tests through the API and the import.
 */
async function storeWithoutFaceChecks(em: ReturnType<MikroORM['em']['fork']>, person: Person, photo: InspectedPhoto): Promise<void> {
  await setPersonPhoto(em, person, photo, () => assessPhoto(photo, { ...DEFAULT_PHOTO_SETTINGS, faceChecks: 'off' }, () => Promise.resolve(null)));
}

/** A plain generated JPEG; `seed` changes its colour, so its content hash (photo version) too. */
export async function jpeg(size: number, seed = 0): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r: 60 + (seed % 190), g: 120, b: 200 - (seed % 150) } } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

export interface TestPerson {
  ci: string;
  givenName: string;
}

/** People of one career with photos; `small` lists indexes that get a 300×300 photo (rejected by HCP). */
export async function addPeople(
  orm: MikroORM,
  career: string,
  count: number,
  opts: { prefix?: string; small?: number[]; noPhoto?: number[] } = {},
): Promise<TestPerson[]> {
  const prefix = opts.prefix ?? String(1000 + Math.floor(Math.random() * 8999));
  const good = await jpeg(500, 1);
  const small = await jpeg(300, 2);
  const out: TestPerson[] = [];
  for (let i = 0; i < count; i++) {
    const em = orm.em.fork();
    const ci = `${prefix}${String(i).padStart(6, '0')}`;
    const person = await createPerson(em, { ci, givenName: `Given${i}`, familyName: 'Family', secondFamilyName: 'Second', career, kind: 'student' });
    if (!(opts.noPhoto ?? []).includes(i)) {
      await storeWithoutFaceChecks(em, person, await inspectPhoto((opts.small ?? []).includes(i) ? small : good));
    }
    out.push({ ci, givenName: `Given${i}` });
  }
  return out;
}

export async function setPhoto(orm: MikroORM, ci: string, data: Buffer): Promise<string> {
  const em = orm.em.fork();
  const person = await em.findOneOrFail(Person, { ci });
  const inspected = await inspectPhoto(data);
  await storeWithoutFaceChecks(em, person, inspected);
  return inspected.version;
}

export function waitFor<T>(fn: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 30_000): Promise<T> {
  return pollFor(fn, what, { timeoutMs });
}

/** Random pixels as JPEG: the most detail a picture can hold, so the hardest for a target's byte limit. */
export async function noiseJpeg(width: number, height = width): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}
