import type { MikroORM } from '@mikro-orm/postgresql';
import sharp from 'sharp';
import { Person } from '../db/entities';
import { createPerson, setPersonPhoto } from '../db/repositories/person-repository';
import { inspectPhoto } from '../photos/photo-intake';

const CAREERS = ['Ingeniería de Software', 'Medicina', 'Derecho'];
const GIVEN = ['María', 'José', 'Lucía', 'Carlos', 'Ana', 'Luis', 'Sofía', 'Diego', 'Valeria', 'Andrés', 'Camila', 'Jorge'];
const FAMILY = ['Pérez', 'García', 'Loor', 'Zambrano', 'Mendoza', 'Vera', 'Cedeño', 'Macías', 'Intriago', 'Moreira'];

/** A drawn face: a stand-in photo (no real person's image ships with the demo). */
async function demoFace(seed: number, size: number): Promise<Buffer> {
  const hue = (seed * 47) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 600 600">
    <rect width="600" height="600" fill="hsl(${hue},35%,85%)"/>
    <ellipse cx="300" cy="290" rx="170" ry="215" fill="hsl(25,45%,${55 + (seed % 20)}%)"/>
    <ellipse cx="235" cy="250" rx="24" ry="14" fill="#2b1d14"/><ellipse cx="365" cy="250" rx="24" ry="14" fill="#2b1d14"/>
    <path d="M300 270 L285 350 L315 350 Z" fill="hsl(25,40%,45%)"/>
    <path d="M240 405 Q300 ${440 + (seed % 15)} 360 405" stroke="#7a2e2e" stroke-width="12" fill="none"/>
    <path d="M130 190 Q300 ${40 + (seed % 30)} 470 190 L470 150 Q300 20 130 150 Z" fill="hsl(${(hue + 180) % 360},20%,20%)"/>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 88 }).toBuffer();
}

/**
 * Demo careers, people and photos for `npm start`; idempotent (people already present are left as
 * they are). Two people get a 300×300 photo, which HikCentral's 400×400 rule rejects (seed 000).
 */
export async function seedDemoData(orm: MikroORM, perCareer = 12): Promise<{ created: number }> {
  let created = 0;
  for (const [c, career] of CAREERS.entries()) {
    for (let i = 0; i < perCareer; i++) {
      const n = c * 100 + i;
      const ci = `13${String(10000000 + n * 7919).slice(-8)}`;
      const em = orm.em.fork();
      if ((await em.count(Person, { ci })) > 0) continue;
      const person = await createPerson(em, {
        ci,
        givenName: GIVEN[n % GIVEN.length] ?? 'Ana',
        familyName: FAMILY[n % FAMILY.length] ?? 'Pérez',
        secondFamilyName: FAMILY[(n * 3 + 1) % FAMILY.length] ?? null,
        career,
        kind: 'student',
      });
      const small = i === 3 || i === 7;
      await setPersonPhoto(em, person, await inspectPhoto(await demoFace(n, small ? 300 : 600)));
      created++;
    }
  }
  return { created };
}
