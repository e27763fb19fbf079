import { createHash } from 'node:crypto';
import sharp, { type Metadata } from 'sharp';

export class PhotoInputError extends Error {
  constructor(
    readonly reason: 'unsupportedFormat' | 'undecodable' | 'tooManyPixels' | 'empty',
    message: string,
  ) {
    super(message);
    this.name = 'PhotoInputError';
  }
}

export interface InspectedPhoto {
  data: Buffer;
  version: string;
  format: 'jpeg' | 'png';
  width: number;
  height: number;
}

/** ~50 megapixels: above any camera photo of a face, below a decompression bomb. */
const PIXEL_LIMIT = 50_000_000;

export const photoVersionOf = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * Accepts what the records system sends today (seed 000: JPEG or PNG), decoding it fully so a
 * truncated file is refused at the door rather than by HikCentral later. The stored bytes are the
 * original; their hash is the photo version written to HikCentral's `remark` (seed 001).
 */
export async function inspectPhoto(data: Buffer): Promise<InspectedPhoto> {
  if (data.length === 0) throw new PhotoInputError('empty', 'the photo is empty');
  let meta: Metadata;
  try {
    meta = await sharp(data, { limitInputPixels: PIXEL_LIMIT }).metadata();
  } catch (e) {
    throw new PhotoInputError('undecodable', `the photo cannot be decoded: ${(e as Error).message}`);
  }
  if (meta.format !== 'jpeg' && meta.format !== 'png') {
    throw new PhotoInputError('unsupportedFormat', `format ${meta.format ?? 'unknown'} is not accepted (JPEG or PNG)`);
  }
  if ((meta.width ?? 0) * (meta.height ?? 0) > PIXEL_LIMIT) {
    throw new PhotoInputError('tooManyPixels', `the photo has more than ${PIXEL_LIMIT} pixels`);
  }
  try {
    // A full decode catches truncated files that metadata() alone accepts.
    await sharp(data, { limitInputPixels: PIXEL_LIMIT, failOn: 'truncated' }).raw().toBuffer({ resolveWithObject: false });
  } catch (e) {
    throw new PhotoInputError('undecodable', `the photo is damaged or truncated: ${(e as Error).message}`);
  }
  const oriented = meta.orientation !== undefined && meta.orientation >= 5;
  return {
    data,
    version: photoVersionOf(data),
    format: meta.format,
    width: oriented ? (meta.height ?? 0) : (meta.width ?? 0),
    height: oriented ? (meta.width ?? 0) : (meta.height ?? 0),
  };
}
