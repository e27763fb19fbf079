import { createHash } from 'node:crypto';
import sharp, { type OutputInfo } from 'sharp';
import type { FaceBox } from './photo-rules';
import type { TargetPhotoProfile } from './photo-settings';

export { TARGET_PROFILES, type TargetPhotoProfile } from './photo-settings';

/** Cache key: the profile's name and a hash of its settings, so a changed profile re-renders. */
export function profileKey(p: TargetPhotoProfile): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([p.maxSide, p.maxBytes, p.qualities, p.faceCropScale ?? null]))
    .digest('hex')
    .slice(0, 12);
  return `${p.name}:${digest}`;
}

export interface Rendition {
  data: Buffer;
  width: number;
  height: number;
}

export interface CropRegion {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The square around the face, `scale` times its longer side, centred a little above the box's
 * centre (the detector's box starts at the brows). Near an edge the square slides inward rather
 * than shrinking, so the margin is kept; it never exceeds the image.
 */
export function faceCropRegion(face: FaceBox, image: { width: number; height: number }, scale: number): CropRegion {
  const fw = face.width * image.width;
  const fh = face.height * image.height;
  const cx = face.x * image.width + fw / 2;
  const cy = face.y * image.height + fh / 2 - fh * 0.1;
  const side = Math.max(1, Math.min(Math.round(Math.max(fw, fh) * scale), image.width, image.height));
  const left = Math.max(0, Math.min(image.width - side, Math.round(cx - side / 2)));
  const top = Math.max(0, Math.min(image.height - side, Math.round(cy - side / 2)));
  return { left, top, width: side, height: side };
}

/** JPEG, face-centred when the profile asks and the face is known, long side capped, quality stepped down to fit. */
export async function renderForTarget(input: Buffer, profile: TargetPhotoProfile, face?: FaceBox): Promise<Rendition> {
  // One pass from top to bottom: sequential reads let libvips stream the decode.
  let base = sharp(input, { limitInputPixels: 50_000_000, sequentialRead: true }).rotate();
  if (profile.faceCropScale !== undefined && face !== undefined) {
    // Stored photos are upright already (intake applied the orientation), so metadata sizes are the pixels'.
    const meta = await sharp(input).metadata();
    base = base.extract(faceCropRegion(face, { width: meta.width ?? 0, height: meta.height ?? 0 }, profile.faceCropScale));
  }
  // Stored photos are sRGB already, and sharp writes sRGB JPEG unless told to keep another profile.
  base = base.resize({ width: profile.maxSide, height: profile.maxSide, fit: 'inside', withoutEnlargement: true });
  let last: { data: Buffer; info: OutputInfo } | undefined;
  for (const quality of profile.qualities) {
    last = await base.clone().jpeg({ quality }).toBuffer({ resolveWithObject: true });
    if (last.data.length <= profile.maxBytes) break;
  }
  if (last === undefined) throw new Error(`profile ${profile.name} has no JPEG quality steps`);
  return { data: last.data, width: last.info.width, height: last.info.height };
}
