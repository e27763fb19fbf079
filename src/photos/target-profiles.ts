import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { FaceBox } from './photo-rules';
import type { TargetPhotoProfile } from './photo-settings';
import { RenditionError } from './rendition-error';

export { TARGET_PROFILES, type TargetPhotoProfile } from './photo-settings';

/**
 * Part of every cache key: bumped when rendering changes so that renditions cached by older code are not served
 * (version 1 could crop below a profile's minimum side and could keep a picture over its byte limit).
 */
const RENDERER_VERSION = 2;

/** Each step down the size ladder keeps this share of the side, until the target's minimum side. */
const SHRINK_STEP = 0.8;

/** Cache key: the profile's name and a hash of its settings, so a changed profile re-renders. */
export function profileKey(p: TargetPhotoProfile): string {
  const digest = createHash('sha256')
    .update(
      JSON.stringify([
        RENDERER_VERSION,
        p.format,
        p.minSide,
        p.maxSide,
        p.maxBytes,
        p.qualities,
        p.faceCropScale ?? null,
      ]),
    )
    .digest('hex')
    .slice(0, 12);
  return `${p.name}:${digest}`;
}

export interface Size {
  width: number;
  height: number;
}

export interface Rendition extends Size {
  data: Buffer;
}

export interface CropRegion extends Size {
  left: number;
  top: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));

/**
 * The square around the face, `scale` times its longer side and at least `minSide` (a small face in a 400×400
 * photo would otherwise give a square HikCentral refuses), centred a little above the box's centre (the detector's
 * box starts at the brows). Near an edge the square slides inward rather than shrinking, so the margin is kept;
 * it never exceeds the image, so a face that fills the frame keeps the whole (square) frame.
 */
export function faceCropRegion(face: FaceBox, image: Size, scale: number, minSide = 1): CropRegion {
  const fw = face.width * image.width;
  const fh = face.height * image.height;
  const cx = face.x * image.width + fw / 2;
  const cy = face.y * image.height + fh / 2 - fh * 0.1;
  const side = Math.min(Math.max(Math.round(Math.max(fw, fh) * scale), minSide, 1), image.width, image.height);
  const left = clamp(Math.round(cx - side / 2), 0, image.width - side);
  const top = clamp(Math.round(cy - side / 2), 0, image.height - side);
  return { left, top, width: side, height: side };
}

/**
 * The whole photo, cut only where it is too elongated for the profile: once its long side is brought down to
 * `maxSide`, the short side must still be `minSide`. The band kept is centred on the face when it is known.
 */
export function wholeFrameRegion(image: Size, profile: TargetPhotoProfile, face?: FaceBox): CropRegion {
  const whole = { left: 0, top: 0, width: image.width, height: image.height };
  if (profile.minSide === null) return whole;
  const landscape = image.width >= image.height;
  const long = landscape ? image.width : image.height;
  const short = landscape ? image.height : image.width;
  const maxLong = Math.max(profile.maxSide, Math.floor((short * profile.maxSide) / profile.minSide));
  if (long <= maxLong) return whole;
  const centre =
    face === undefined
      ? long / 2
      : landscape
        ? (face.x + face.width / 2) * image.width
        : (face.y + face.height / 2) * image.height;
  const start = clamp(Math.round(centre - maxLong / 2), 0, long - maxLong);
  return landscape
    ? { left: start, top: 0, width: maxLong, height: short }
    : { left: 0, top: start, width: short, height: maxLong };
}

/** Where the rendition is cut from the stored photo: the face square when the profile asks and the face is known. */
export function renditionRegion(image: Size, profile: TargetPhotoProfile, face?: FaceBox): CropRegion {
  if (profile.faceCropScale !== undefined && face !== undefined) {
    return faceCropRegion(face, image, profile.faceCropScale, profile.minSide ?? 1);
  }
  return wholeFrameRegion(image, profile, face);
}

/**
 * The region scaled so its long side is at most `maxSide` (never enlarged). Rounding may not break a rule: the
 * long side is capped and the short side lifted to `minSide` (by at most a pixel, never beyond the region).
 */
export function renditionSize(region: Size, profile: TargetPhotoProfile, factor = 1): Size {
  const f = Math.min(1, profile.maxSide / Math.max(region.width, region.height)) * factor;
  const floor = (side: number) => (profile.minSide === null ? 1 : Math.min(profile.minSide, side));
  return {
    width: clamp(Math.round(region.width * f), floor(region.width), profile.maxSide),
    height: clamp(Math.round(region.height * f), floor(region.height), profile.maxSide),
  };
}

/**
 * Sizes to try for the byte limit, largest first: the full rendition, then smaller steps down to the target's
 * minimum side. Without a minimum there is nothing to step down to, so only the quality ladder applies.
 */
export function sizeLadder(region: Size, profile: TargetPhotoProfile): Size[] {
  const full = renditionSize(region, profile);
  const short = Math.min(full.width, full.height);
  if (profile.minSide === null || short <= profile.minSide) return [full];
  const sizes = [full];
  for (let f = SHRINK_STEP; short * f > profile.minSide; f *= SHRINK_STEP)
    sizes.push(renditionSize(region, profile, f));
  sizes.push(renditionSize(region, profile, profile.minSide / short));
  return sizes;
}

/** Every way the picture breaks the profile's rules, read back from the encoded bytes. */
export async function renditionProblems(data: Buffer, profile: TargetPhotoProfile): Promise<string[]> {
  const meta = await sharp(data).metadata();
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const problems: string[] = [];
  if (meta.format !== profile.format) problems.push(`encoded as ${meta.format ?? 'unknown'}, not ${profile.format}`);
  if (profile.minSide !== null && Math.min(width, height) < profile.minSide) {
    problems.push(`${width}×${height} is below ${profile.minSide}×${profile.minSide}`);
  }
  if (Math.max(width, height) > profile.maxSide)
    problems.push(`${width}×${height} is above ${profile.maxSide} on its long side`);
  if (data.length > profile.maxBytes) {
    problems.push(
      `${Math.ceil(data.length / 1024)} KB is above ${Math.floor(profile.maxBytes / 1024)} KB at the smallest size and lowest quality`,
    );
  }
  return problems;
}

/**
 * JPEG cut as the profile asks (face square, or the whole frame), scaled into its sides, quality then size stepped
 * down to fit its bytes; verified against the profile's rules before it is returned. Throws RenditionError when no
 * rendition of this photo can meet them (e.g. a stored photo below the target's minimum side).
 */
export async function renderForTarget(input: Buffer, profile: TargetPhotoProfile, face?: FaceBox): Promise<Rendition> {
  // Stored photos are upright already (intake applied the orientation), so metadata sizes are the pixels'.
  const meta = await sharp(input).metadata();
  const image = { width: meta.width ?? 0, height: meta.height ?? 0 };
  const region = renditionRegion(image, profile, face);
  // One pass from top to bottom: sequential reads let libvips stream the decode.
  let base = sharp(input, { limitInputPixels: 50_000_000, sequentialRead: true }).rotate();
  if (region.width !== image.width || region.height !== image.height) base = base.extract(region);
  let last: Rendition | undefined;
  for (const size of sizeLadder(region, profile)) {
    // Stored photos are sRGB already, and sharp writes sRGB JPEG unless told to keep another profile.
    const sized =
      size.width === region.width && size.height === region.height
        ? base
        : base.clone().resize({ ...size, fit: 'fill' });
    for (const quality of profile.qualities) {
      const { data, info } = await sized.clone().jpeg({ quality }).toBuffer({ resolveWithObject: true });
      last = { data, width: info.width, height: info.height };
      if (data.length <= profile.maxBytes) break;
    }
    if (last !== undefined && last.data.length <= profile.maxBytes) break;
  }
  if (last === undefined) throw new RenditionError(profile.name, ['the profile has no JPEG quality steps']);
  const problems = await renditionProblems(last.data, profile);
  if (problems.length > 0) throw new RenditionError(profile.name, problems);
  return last;
}
