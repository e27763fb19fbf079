import sharp from 'sharp';

export interface JpegProfile {
  /** Longest side after resizing; never enlarges (a small photo must stay small so it is judged as it is). */
  maxSide: number;
  maxBytes: number;
  qualities: number[];
}

/**
 * HikCentral face pictures: JPEG; community reports (reference §1.8, open question 4) say ≤200 KB
 * and ~500×500 work, so the long side is capped and the quality lowered step by step until it fits.
 */
export const HIKCENTRAL_PROFILE: JpegProfile = { maxSide: 800, maxBytes: 200 * 1024, qualities: [90, 82, 75, 65, 55, 45] };

export async function normaliseToJpeg(input: Buffer, profile: JpegProfile = HIKCENTRAL_PROFILE): Promise<Buffer> {
  const base = sharp(input, { limitInputPixels: 50_000_000 })
    .rotate()
    .resize({ width: profile.maxSide, height: profile.maxSide, fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb');
  let last: Buffer | undefined;
  for (const quality of profile.qualities) {
    last = await base.clone().jpeg({ quality }).toBuffer();
    if (last.length <= profile.maxBytes) return last;
  }
  if (last === undefined) throw new Error('no JPEG quality steps configured');
  return last;
}
