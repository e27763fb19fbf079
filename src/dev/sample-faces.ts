import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { analyseFaces } from '../photos/face-analysis';

/**
 * Real faces with no download: the group photos that ship inside @vladmandic/face-api (demo/
 * sample1–6.jpg, 3–5 people each). The demo data and the tests cut portraits out of them.
 */
export const SAMPLE_PHOTO_COUNT = 6;

export const samplePhoto = (n: number): Buffer =>
  readFileSync(join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', `sample${n}.jpg`));

const cut = new Map<string, Promise<Buffer[]>>();

/**
 * Every face of one sample photo (largest first), each cut as a square around it with margin and
 * scaled to `side`×`side`; near an edge the square slides inward. Cut once per process.
 */
export function samplePortraits(sample: number, side = 600): Promise<Buffer[]> {
  const key = `${sample}:${side}`;
  let portraits = cut.get(key);
  if (portraits === undefined) {
    portraits = cutPortraits(sample, side);
    cut.set(key, portraits);
  }
  return portraits;
}

async function cutPortraits(sample: number, side: number): Promise<Buffer[]> {
  const photo = samplePhoto(sample);
  const meta = await sharp(photo).metadata();
  const W = meta.width ?? 0;
  const H = meta.height ?? 0;
  const a = await analyseFaces(photo);
  const k = W / a.width;
  const faces = [...a.faces].sort((p, q) => q.box.width - p.box.width);
  return Promise.all(
    faces.map((f) => {
      const size = Math.min(Math.round(f.box.height * k * 1.9), W, H);
      const left = Math.max(0, Math.min(W - size, Math.round((f.box.x + f.box.width / 2) * k - size / 2)));
      const top = Math.max(0, Math.min(H - size, Math.round((f.box.y + f.box.height / 2) * k - size / 2)));
      return sharp(photo).extract({ left, top, width: size, height: size }).resize(side, side).jpeg({ quality: 92 }).toBuffer();
    }),
  );
}
