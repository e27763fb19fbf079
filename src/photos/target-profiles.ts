import { createHash } from 'node:crypto';
import sharp, { type OutputInfo } from 'sharp';

/** How a kind of target wants its face pictures (issue 3 §3); configurable per deployment. */
export interface TargetPhotoProfile {
  name: 'hikcentral' | 'isapi';
  /** Longest side after resizing; never enlarges. */
  maxSide: number;
  maxBytes: number;
  /** JPEG qualities tried in order until the picture fits `maxBytes`. */
  qualities: number[];
}

/**
 * HikCentral: community reports (reference §1.8, open question 4) say ≤200 KB and ~500×500 work.
 * ISAPI terminals: JPEG ≤200 KB (reference §2.5, Shaykhnazar/hikvision-isapi).
 */
export const TARGET_PROFILES: Record<TargetPhotoProfile['name'], TargetPhotoProfile> = {
  hikcentral: { name: 'hikcentral', maxSide: 800, maxBytes: 200 * 1024, qualities: [90, 82, 75, 65, 55, 45] },
  isapi: { name: 'isapi', maxSide: 640, maxBytes: 200 * 1024, qualities: [88, 80, 70, 60, 50, 40] },
};

/** Cache key: the profile's name and a hash of its settings, so a changed profile re-renders. */
export function profileKey(p: TargetPhotoProfile): string {
  const digest = createHash('sha256').update(JSON.stringify([p.maxSide, p.maxBytes, p.qualities])).digest('hex').slice(0, 12);
  return `${p.name}:${digest}`;
}

export interface Rendition {
  data: Buffer;
  width: number;
  height: number;
}

/** JPEG, long side capped, quality lowered step by step until it fits the byte limit. */
export async function renderForTarget(input: Buffer, profile: TargetPhotoProfile): Promise<Rendition> {
  const base = sharp(input, { limitInputPixels: 50_000_000 })
    .rotate()
    .resize({ width: profile.maxSide, height: profile.maxSide, fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb');
  let last: { data: Buffer; info: OutputInfo } | undefined;
  for (const quality of profile.qualities) {
    last = await base.clone().jpeg({ quality }).toBuffer({ resolveWithObject: true });
    if (last.data.length <= profile.maxBytes) break;
  }
  if (last === undefined) throw new Error(`profile ${profile.name} has no JPEG quality steps`);
  return { data: last.data, width: last.info.width, height: last.info.height };
}
