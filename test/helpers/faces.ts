import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { analyseFaces } from '../../src/photos/face-analysis';

/** Real photos that ship inside the face-api package: group photos of different women (3–5 faces each). */
export const samplePhoto = (n: number): Buffer =>
  readFileSync(join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', `sample${n}.jpg`));

/** The largest face of a sample photo, cropped square with margin, as a 600×600 portrait. */
export async function portrait(sample: number): Promise<Buffer> {
  const photo = samplePhoto(sample);
  const a = await analyseFaces(photo);
  const f = [...a.faces].sort((p, q) => q.box.width - p.box.width)[0]!;
  const k = (await sharp(photo).metadata()).width! / a.width;
  const side = Math.round(f.box.height * k * 1.9);
  const left = Math.max(0, Math.round((f.box.x + f.box.width / 2) * k - side / 2));
  const top = Math.max(0, Math.round((f.box.y + f.box.height / 2) * k - side / 2));
  return sharp(photo).extract({ left, top, width: side, height: side }).resize(600, 600).jpeg({ quality: 92 }).toBuffer();
}
