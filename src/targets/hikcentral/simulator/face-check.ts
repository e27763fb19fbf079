import { createHash } from 'node:crypto';
import sharp from 'sharp';

/**
 * The simulator's face acceptance rules. HCP's real limits are not published (reference §4 q4); these are
 * the requirements seed 000 lists: JPEG or PNG, at least 400×400, at most 2 MB.
 */
export const FACE_MIN_SIDE = 400;
export const FACE_MAX_BYTES = 2 * 1024 * 1024;

export interface AcceptedFace {
  ok: true;
  /** Stored as JPEG because `picture_data` answers `data:image/jpeg;base64,...` (§1.5). */
  jpeg: Buffer;
  width: number;
  height: number;
  format: 'jpeg' | 'png';
  /** Size of the picture as uploaded, before any conversion. */
  bytes: number;
  sha256: string;
}

export interface RejectedFace {
  ok: false;
  /** Always mentions "face picture" so clients can classify by wording, as they must against real HCP (§4 q3). */
  reason: string;
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

export async function checkFace(faceData: unknown): Promise<AcceptedFace | RejectedFace> {
  if (typeof faceData !== 'string' || faceData.trim() === '') {
    return { ok: false, reason: 'face picture data is empty' };
  }
  const marker = faceData.indexOf('base64,');
  const encoded = marker >= 0 ? faceData.slice(marker + 'base64,'.length) : faceData;
  if (!BASE64.test(encoded)) return { ok: false, reason: 'face picture data is not base64' };
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length > FACE_MAX_BYTES) {
    return { ok: false, reason: `face picture is ${bytes.length} bytes, above the 2 MB limit` };
  }

  let format: string | undefined;
  let width = 0;
  let height = 0;
  try {
    const meta = await sharp(bytes).metadata();
    format = meta.format;
    width = meta.width ?? 0;
    height = meta.height ?? 0;
    // metadata() reads only the header; decoding all pixels catches truncated or corrupt files.
    await sharp(bytes, { failOn: 'error' }).stats();
  } catch {
    return { ok: false, reason: 'face picture could not be decoded as an image' };
  }
  if (format !== 'jpeg' && format !== 'png') {
    return { ok: false, reason: `face picture format ${format ?? 'unknown'} is not JPEG or PNG` };
  }
  if (width < FACE_MIN_SIDE || height < FACE_MIN_SIDE) {
    return { ok: false, reason: `face picture is ${width}x${height}, below ${FACE_MIN_SIDE}x${FACE_MIN_SIDE}` };
  }
  const jpeg = format === 'jpeg' ? bytes : await sharp(bytes).jpeg({ quality: 90 }).toBuffer();
  return {
    ok: true,
    jpeg,
    width,
    height,
    format,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
