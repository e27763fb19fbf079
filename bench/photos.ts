import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { SAMPLE_PHOTO_COUNT, samplePhoto, samplePortraits } from '../src/dev/sample-faces';
import { analyseFaces, loadFaceModel } from '../src/photos/face-analysis';
import { FaceIndex, DESCRIPTOR_LENGTH } from '../src/photos/face-index';
import { assessPhoto } from '../src/photos/photo-assessment';
import { inspectPhoto } from '../src/photos/photo-intake';
import { DEFAULT_PHOTO_SETTINGS, TARGET_PROFILES } from '../src/photos/photo-settings';
import { renderForTarget } from '../src/photos/target-profiles';

/**
 * bench/photos: normalisation throughput on 12-megapixel JPEGs against ImageMagick doing
 * the same resize and re-encode, face-check latency per photo, and duplicate search at 50,000 people.
 */
export interface PhotoBenchFigures {
  inputs: { count: number; width: number; height: number; meanBytes: number };
  sharpPhotosPerSec: number;
  magick: { binary: string; version: string; plainPhotosPerSec: number; hintedPhotosPerSec: number } | { unavailable: string };
  intakePhotosPerSec: number;
  faceCheck: { modelLoadMs: number; medianMs: number; p90Ms: number; photos: number };
  duplicateSearch: { people: number; medianMs: number; p99Ms: number; queries: number; foundPlanted: number; planted: number };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;

/** 4000×3000 photo-like JPEGs: a sample photo enlarged, with sensor-like noise so they compress like camera files. */
async function twelveMegapixelInputs(dir: string, count: number): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const noise = Buffer.alloc(1000 * 750 * 3);
    for (let j = 0; j < noise.length; j++) noise[j] = (Math.random() * 255) | 0;
    const grain = await sharp(noise, { raw: { width: 1000, height: 750, channels: 3 } }).resize(4000, 3000, { kernel: 'nearest' }).png().toBuffer();
    const jpeg = await sharp(samplePhoto((i % SAMPLE_PHOTO_COUNT) + 1))
      .resize(4000, 3000, { fit: 'cover' })
      .composite([{ input: grain, blend: 'soft-light' }])
      .jpeg({ quality: 92 })
      .toBuffer();
    const file = join(dir, `in-${i}.jpg`);
    writeFileSync(file, jpeg);
    files.push(file);
  }
  return files;
}

/** The real ImageMagick, not a stand-in script; `apt-get install imagemagick` provides it. */
function findImageMagick(): { binary: string; version: string } | { unavailable: string } {
  for (const binary of ['magick', '/usr/bin/convert', 'convert']) {
    const r = spawnSync(binary, ['-version'], { encoding: 'utf8' });
    if (r.status === 0 && /ImageMagick \d/.test(r.stdout)) return { binary, version: (r.stdout.split('\n')[0] ?? '').trim() };
  }
  return { unavailable: 'ImageMagick not found (apt-get install imagemagick)' };
}

async function timeRuns(files: string[], rounds: number, one: (file: string) => Promise<void> | void): Promise<number> {
  await one(files[0] as string); // warm-up
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const f of files) await one(f);
  return (files.length * rounds) / ((performance.now() - t0) / 1000);
}

export async function benchPhotos(opts: { log: (m: string) => void; inputs?: number; people?: number }): Promise<PhotoBenchFigures> {
  sharp.cache(false);
  const dir = mkdtempSync(join(tmpdir(), 'gatesync-bench-photos-'));
  try {
    const files = await twelveMegapixelInputs(dir, opts.inputs ?? 8);
    const sizes = files.map((f) => readFileSync(f).length);
    opts.log(`inputs: ${files.length} × 4000×3000 JPEG, mean ${(sizes.reduce((a, b) => a + b, 0) / sizes.length / 1e6).toFixed(1)} MB`);
    const profile = TARGET_PROFILES.isapi;
    const side = profile.maxSide;

    // The same job for both: read the file, orient, fit in side×side, no metadata, JPEG at the profile's first quality.
    const sharpPps = await timeRuns(files, 3, async (f) => {
      await renderForTarget(readFileSync(f), profile);
    });
    opts.log(`sharp (renderForTarget, ${profile.name} profile): ${sharpPps.toFixed(2)} photos/s`);

    const im = findImageMagick();
    let magick: PhotoBenchFigures['magick'];
    if ('unavailable' in im) {
      magick = im;
      opts.log(im.unavailable);
    } else {
      const out = join(dir, 'out.jpg');
      const args = (f: string, hint: boolean) => [
        ...(hint ? ['-define', `jpeg:size=${side * 2}x${side * 2}`] : []),
        f, '-auto-orient', '-resize', `${side}x${side}>`, '-strip', '-quality', String(profile.qualities[0]), out,
      ];
      const plain = await timeRuns(files, 1, (f) => void execFileSync(im.binary, args(f, false)));
      // With the decoder's shrink-on-load hint, ImageMagick's fastest way to do the same job.
      const hinted = await timeRuns(files, 1, (f) => void execFileSync(im.binary, args(f, true)));
      magick = { ...im, plainPhotosPerSec: plain, hintedPhotosPerSec: hinted };
      opts.log(`${im.version}: ${plain.toFixed(2)} photos/s plain, ${hinted.toFixed(2)} with -define jpeg:size`);
    }

    const intakePps = await timeRuns(files.slice(0, 3), 1, async (f) => {
      await inspectPhoto(readFileSync(f));
    });
    opts.log(`intake of a 12 MP photo (decode whole, orient, sRGB, strip, re-encode at full size): ${intakePps.toFixed(2)} photos/s`);

    const t0 = performance.now();
    await loadFaceModel();
    const modelLoadMs = performance.now() - t0;
    const portraits: Buffer[] = [];
    for (let s = 1; s <= SAMPLE_PHOTO_COUNT; s++) portraits.push(...(await samplePortraits(s)));
    const inspected = await Promise.all(portraits.map((p) => inspectPhoto(p)));
    await analyseFaces(portraits[0] as Buffer); // warm-up
    const checkMs: number[] = [];
    for (const p of inspected) {
      const t = performance.now();
      await assessPhoto(p, DEFAULT_PHOTO_SETTINGS, () => Promise.resolve(null));
      checkMs.push(performance.now() - t);
    }
    const faceCheck = { modelLoadMs, medianMs: median(checkMs), p90Ms: pct(checkMs, 0.9), photos: checkMs.length };
    opts.log(`face checks on ${checkMs.length} 600×600 portraits: median ${faceCheck.medianMs.toFixed(0)} ms, p90 ${faceCheck.p90Ms.toFixed(0)} ms (model load ${modelLoadMs.toFixed(0)} ms, once per process)`);

    const people = opts.people ?? 50_000;
    const index = new FaceIndex();
    const unit = () => {
      const v = new Float32Array(DESCRIPTOR_LENGTH).map(() => Math.random() - 0.5);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const stored: Float32Array[] = [];
    for (let i = 0; i < people; i++) {
      const v = unit();
      stored.push(v);
      index.upsert(`p${i}`, `ci${i}`, v);
    }
    const searchMs: number[] = [];
    let found = 0;
    let planted = 0;
    for (let q = 0; q < 400; q++) {
      // Half the queries are a stored face seen again (a duplicate), half a new face.
      const dup = q % 2 === 0;
      let query = unit();
      if (dup) {
        planted++;
        const base = stored[(q * 7919) % people] as Float32Array;
        query = base.map((x, i) => x + ((query[i] as number) * 0.2));
        const n = Math.hypot(...query);
        query = query.map((x) => x / n);
      }
      const t = performance.now();
      const m = index.nearest(query, { maxDistance: DEFAULT_PHOTO_SETTINGS.duplicateMaxDistance });
      searchMs.push(performance.now() - t);
      if (dup && m?.personId === `p${(q * 7919) % people}`) found++;
    }
    const duplicateSearch = { people, medianMs: median(searchMs), p99Ms: pct(searchMs, 0.99), queries: searchMs.length, foundPlanted: found, planted };
    opts.log(`duplicate search over ${people} faces: median ${duplicateSearch.medianMs.toFixed(2)} ms, p99 ${duplicateSearch.p99Ms.toFixed(2)} ms; found ${found}/${planted} planted duplicates`);

    return {
      inputs: { count: files.length, width: 4000, height: 3000, meanBytes: sizes.reduce((a, b) => a + b, 0) / sizes.length },
      sharpPhotosPerSec: sharpPps,
      magick,
      intakePhotosPerSec: intakePps,
      faceCheck,
      duplicateSearch,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
