import { createHash } from 'node:crypto';
import sharp, { type Metadata, type OutputInfo } from 'sharp';

export type PhotoInputReason = 'unsupportedFormat' | 'undecodable' | 'tooManyPixels' | 'empty';

export class PhotoInputError extends Error {
  constructor(
    readonly reason: PhotoInputReason,
    message: string,
  ) {
    super(message);
    this.name = 'PhotoInputError';
  }
}

export type StoredPhotoFormat = 'jpeg' | 'png' | 'webp';

export interface InspectedPhoto {
  /** The stored bytes: upright, sRGB, without any metadata. */
  data: Buffer;
  /** sha256 of `data`: the photo version written to HikCentral's `remark` (seed 001). */
  version: string;
  format: StoredPhotoFormat;
  width: number;
  height: number;
  /** What the uploader sent, for the record. */
  sourceFormat: string;
}

/**
 * ~50 megapixels: above any camera photo of a face, below a decompression bomb (a small file that
 * would expand to gigabytes of pixels is refused before it is decoded).
 */
export const PIXEL_LIMIT = 50_000_000;

/** Formats accepted at the door; HEIC only where the installed libvips decodes it (the prebuilt one does not). */
const ACCEPTED_INPUT = new Set(['jpeg', 'png', 'webp', 'heif']);

export const photoVersionOf = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function readMetadata(data: Buffer): Promise<Metadata> {
  try {
    return await sharp(data, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new PhotoInputError('undecodable', `the photo cannot be decoded: ${(e as Error).message}`);
  }
}

/** The decoded format of the bytes (sharp's name: jpeg, png, webp, heif…); throws PhotoInputError. */
export async function detectFormat(data: Buffer): Promise<string> {
  if (data.length === 0) throw new PhotoInputError('empty', 'the photo is empty');
  return (await readMetadata(data)).format ?? 'unknown';
}

/**
 * Photo intake: decodes the whole image (a truncated file is refused here, not by
 * HikCentral later), applies the EXIF orientation, converts to sRGB and re-encodes without any
 * metadata — GPS position and camera data are personal data and are never stored. JPEG, PNG and
 * WebP keep their format; AVIF/HEIF is stored as JPEG.
 */
export async function inspectPhoto(data: Buffer): Promise<InspectedPhoto> {
  if (data.length === 0) throw new PhotoInputError('empty', 'the photo is empty');
  const meta = await readMetadata(data);
  const sourceFormat = meta.format ?? 'unknown';
  if (!ACCEPTED_INPUT.has(sourceFormat)) {
    throw new PhotoInputError('unsupportedFormat', `format ${sourceFormat} is not accepted (JPEG, PNG, WebP or AVIF)`);
  }
  if ((meta.width ?? 0) * (meta.height ?? 0) > PIXEL_LIMIT) {
    throw new PhotoInputError(
      'tooManyPixels',
      `the photo has ${meta.width}×${meta.height} pixels, more than the ${PIXEL_LIMIT / 1e6} megapixel limit`,
    );
  }
  const format: StoredPhotoFormat = sourceFormat === 'png' ? 'png' : sourceFormat === 'webp' ? 'webp' : 'jpeg';
  let out: { data: Buffer; info: OutputInfo };
  try {
    const pipeline = sharp(data, { limitInputPixels: PIXEL_LIMIT, failOn: 'truncated' }).rotate().toColourspace('srgb');
    const encoded =
      format === 'png' ? pipeline.png() : format === 'webp' ? pipeline.webp({ quality: 95 }) : pipeline.jpeg({ quality: 95 });
    // sharp writes no metadata unless asked (withMetadata/keepExif), so EXIF, GPS, XMP and ICC are gone.
    out = await encoded.toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new PhotoInputError('undecodable', `the photo is damaged or truncated: ${(e as Error).message}`);
  }
  return {
    data: out.data,
    version: photoVersionOf(out.data),
    format,
    width: out.info.width,
    height: out.info.height,
    sourceFormat,
  };
}
