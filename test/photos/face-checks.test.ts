import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { analyseFaces } from '../../src/photos/face-analysis';
import { DEFAULT_FACE_CHECKS, checkFaces, type FaceCheckResult } from '../../src/photos/face-checks';
import { portrait, samplePhoto } from '../helpers/faces';

const rule = (rs: FaceCheckResult[], name: string) => rs.find((r) => r.rule === name);

/** The largest face of sample 3: one face filling about half the picture. */
const oneFace = (): Promise<Buffer> => portrait(3);

describe('face checks, each with its reason (real photos from the face-api package)', () => {
  it('given a group photo, should fail exactlyOneFace and stop there', async () => {
    const photo = samplePhoto(1);
    const rs = await checkFaces(await analyseFaces(photo));
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ rule: 'exactlyOneFace', passed: false });
    expect(rs[0]!.detail).toMatch(/\d+ faces found/);
  }, 60_000);

  it('given a picture with no face, should say no face was found', async () => {
    const plain = await sharp({ create: { width: 600, height: 600, channels: 3, background: '#c08060' } }).jpeg().toBuffer();
    expect((await checkFaces(await analyseFaces(plain)))[0]).toMatchObject({ passed: false, detail: 'no face found' });
  }, 60_000);

  it('given one well-lit, sharp face filling the picture, should pass size, sharpness and exposure', async () => {
    const img = await oneFace();
    const rs = await checkFaces(await analyseFaces(img));
    expect(rule(rs, 'exactlyOneFace')?.passed).toBe(true);
    expect(rule(rs, 'faceSize')?.passed).toBe(true);
    expect(rule(rs, 'sharpness')?.passed).toBe(true);
    expect(rule(rs, 'exposure')?.passed).toBe(true);
  }, 60_000);

  it('should fail a face too small in the picture and a blurred face, each by its own rule', async () => {
    const img = await oneFace();
    const small = await sharp(img).resize(300, 300).extend({ top: 150, bottom: 150, left: 150, right: 150, background: '#777' }).jpeg().toBuffer();
    const rsSmall = await checkFaces(await analyseFaces(small));
    expect(rule(rsSmall, 'exactlyOneFace')?.passed).toBe(true);
    expect(rule(rsSmall, 'faceSize')).toMatchObject({ passed: false });
    expect(rule(rsSmall, 'faceSize')?.detail).toMatch(/face is 2\d% of the short side, at least 40%/);
    expect(rule(rsSmall, 'sharpness')?.passed).toBe(true);

    const blurred = await sharp(img).blur(2).jpeg().toBuffer();
    const rsBlur = await checkFaces(await analyseFaces(blurred));
    expect(rule(rsBlur, 'exactlyOneFace')?.passed).toBe(true);
    expect(rule(rsBlur, 'sharpness')).toMatchObject({ passed: false });
    expect(rule(rsBlur, 'faceSize')?.passed).toBe(true);
  }, 120_000);

  it('should judge exposure by the configured brightness window', async () => {
    const img = await oneFace();
    const a = await analyseFaces(img);
    const measured = Number(/brightness (\d+)/.exec(rule(await checkFaces(a), 'exposure')!.detail)![1]);
    expect(rule(await checkFaces(a, { ...DEFAULT_FACE_CHECKS, minBrightness: measured + 10 }), 'exposure')?.passed).toBe(false);
    expect(rule(await checkFaces(a, { ...DEFAULT_FACE_CHECKS, maxBrightness: measured - 10 }), 'exposure')?.passed).toBe(false);
  }, 60_000);

  it('should judge the pose by the configured limits: a turned face fails ±15° and passes ±60°', async () => {
    const img = await oneFace();
    const a = await analyseFaces(img);
    const yaw = Math.abs(a.faces[0]!.pose.yaw);
    expect(yaw).toBeGreaterThan(15);
    expect(rule(await checkFaces(a), 'frontal')?.passed).toBe(false);
    expect(rule(await checkFaces(a, { ...DEFAULT_FACE_CHECKS, maxYawDeg: 60, maxRollDeg: 60 }), 'frontal')?.passed).toBe(true);
  }, 60_000);
});
