import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { PhotoInputError, inspectPhoto, photoVersionOf } from '../../src/photos/photo-intake';
import { checkPhotoRules, failedRulesMessage } from '../../src/photos/photo-rules';

const solid = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: { r: 180, g: 120, b: 90 } } });

const rejects = async (data: Buffer, reason: string) => {
  const err = await inspectPhoto(data).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PhotoInputError);
  expect((err as PhotoInputError).reason).toBe(reason);
};

describe('photo intake', () => {
  it('given an EXIF-rotated JPEG, should store it upright with no orientation tag', async () => {
    // 600 wide × 400 high as encoded, orientation 6 = "rotate 90° clockwise to display".
    const input = await solid(600, 400).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(input).metadata()).orientation).toBe(6);
    const p = await inspectPhoto(input);
    expect([p.width, p.height]).toEqual([400, 600]);
    const stored = await sharp(p.data).metadata();
    expect([stored.width, stored.height]).toEqual([400, 600]);
    expect(stored.orientation).toBeUndefined();
  });

  it('given a photo with EXIF and GPS data, should store none of it', async () => {
    const input = await solid(500, 500)
      .jpeg()
      .withExif({ IFD0: { Make: 'PhoneMaker', Model: 'Phone 12', Copyright: 'someone' }, IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '1/1 2/1 3/1' } })
      .toBuffer();
    expect((await sharp(input).metadata()).exif).toBeDefined();
    const p = await inspectPhoto(input);
    const stored = await sharp(p.data).metadata();
    expect(stored.exif).toBeUndefined();
    expect(stored.xmp).toBeUndefined();
    expect(p.data.includes(Buffer.from('PhoneMaker'))).toBe(false);
  });

  it('given a CMYK JPEG, should store it in sRGB', async () => {
    const input = await solid(500, 500).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(input).metadata()).space).toBe('cmyk');
    const p = await inspectPhoto(input);
    expect((await sharp(p.data).metadata()).space).toBe('srgb');
  });

  it('should accept PNG, WebP and AVIF, keeping PNG and WebP and storing AVIF as JPEG', async () => {
    expect((await inspectPhoto(await solid(450, 450).png().toBuffer())).format).toBe('png');
    expect((await inspectPhoto(await solid(450, 450).webp().toBuffer())).format).toBe('webp');
    const avif = await inspectPhoto(await solid(450, 450).avif().toBuffer());
    expect(avif).toMatchObject({ format: 'jpeg', sourceFormat: 'heif', width: 450, height: 450 });
  });

  it('should give the content hash of the stored bytes as the version', async () => {
    const p = await inspectPhoto(await solid(450, 450).jpeg().toBuffer());
    expect(p.version).toBe(photoVersionOf(p.data));
    expect(p.version).toMatch(/^[0-9a-f]{64}$/);
  });

  it('should refuse GIF, bytes that are no image, a truncated JPEG, an empty body and a decompression bomb', async () => {
    await rejects(await solid(450, 450).gif().toBuffer(), 'unsupportedFormat');
    await rejects(Buffer.from('definitely not an image'), 'undecodable');
    const jpeg = await sharp(randomBytes(800 * 800 * 3), { raw: { width: 800, height: 800, channels: 3 } })
      .jpeg()
      .toBuffer();
    await rejects(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'undecodable');
    await rejects(Buffer.alloc(0), 'empty');
    // 10,000 × 6,000 of one colour compresses to a few hundred KB and would decode to 180 MB.
    const bomb = await sharp({ create: { width: 10_000, height: 6_000, channels: 3, background: '#fff' } }).png({ compressionLevel: 9 }).toBuffer();
    expect(bomb.length).toBeLessThan(2_000_000);
    await rejects(bomb, 'tooManyPixels');
  });
});

describe('photo rules (seed 000: ≥400×400, ≤2 MB)', () => {
  it('should pass a 400×400 JPEG and report each rule', () => {
    const c = checkPhotoRules({ format: 'jpeg', width: 400, height: 400, byteSize: 50_000 });
    expect(c.every((r) => r.passed)).toBe(true);
    expect(c.map((r) => r.rule)).toEqual(['format', 'minResolution', 'maxBytes']);
  });

  it('should fail a small photo on resolution and a heavy one on size, saying why', async () => {
    const small = checkPhotoRules({ format: 'jpeg', width: 399, height: 600, byteSize: 50_000 });
    expect(small.every((r) => r.passed)).toBe(false);
    expect(failedRulesMessage({ passed: false, rules: small, checkedAt: '' })).toMatch(/minResolution: 399×600, at least 400×400/);
    const noise = await sharp(randomBytes(1500 * 1500 * 3), { raw: { width: 1500, height: 1500, channels: 3 } }).png().toBuffer();
    const stored = await inspectPhoto(noise);
    expect(stored.data.length).toBeGreaterThan(2 * 1024 * 1024);
    const heavy = checkPhotoRules({ format: stored.format, width: stored.width, height: stored.height, byteSize: stored.data.length });
    expect(heavy.find((r) => r.rule === 'maxBytes')?.passed).toBe(false);
    expect(heavy.find((r) => r.rule === 'minResolution')?.passed).toBe(true);
  });
});
