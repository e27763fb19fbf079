/**
 * The format an upload claims to be, from its first bytes only (no decoder runs): what the API checks at the door
 * before staging bytes for the worker's intake, which decodes them fully. Names are sharp's (jpeg, png, webp, heif),
 * so the worker's decoded format can be compared with them.
 */
export type SignatureFormat = 'jpeg' | 'png' | 'webp' | 'heif';

/** ISO-BMFF brands of HEIF and AVIF still images and sequences (the `ftyp` box's major brand). */
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis']);

export function imageSignature(bytes: Buffer): SignatureFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG)) return 'png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (bytes.length >= 12 && bytes.toString('latin1', 4, 8) === 'ftyp' && HEIF_BRANDS.has(bytes.toString('latin1', 8, 12))) return 'heif';
  return null;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
