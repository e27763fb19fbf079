import sharp from 'sharp';
import { samplePhoto, samplePortraits } from '../../src/dev/sample-faces';

export { samplePhoto };

/** The largest face of a sample photo, cropped square with margin, as a 600×600 portrait. */
export async function portrait(sample: number): Promise<Buffer> {
  return (await samplePortraits(sample))[0] as Buffer;
}

/**
 * The sample faces that look straight at the camera (found by hand: the others turn their heads
 * 20–47°). Each is a different person, so they also serve where distinct people are needed.
 */
const FRONTAL: Array<[sample: number, face: number]> = [
  [5, 0],
  [5, 3],
  [6, 2],
];

export async function frontalPortrait(k: number): Promise<Buffer> {
  const [sample, face] = FRONTAL[k] as [number, number];
  return (await samplePortraits(sample))[face] as Buffer;
}

/**
 * Exactly 400×400, seed 000's minimum: frontal face 2 framed by a 30-px band of its own edge pixels, so the face is
 * ~42% of the side — just above the 40% `faceSize` rule, while 2.2× the face is under 400 px.
 */
export async function smallFacePortrait400(): Promise<Buffer> {
  const band = 30;
  const framed = await sharp(await frontalPortrait(2))
    .extend({ top: band, bottom: band, left: band, right: band, extendWith: 'copy' })
    .toBuffer();
  return sharp(framed).resize(400, 400).jpeg({ quality: 92 }).toBuffer();
}

/** 400×400 cut close around frontal face 0: the face box covers about three quarters of the frame. */
export async function faceFillingFrame400(): Promise<Buffer> {
  return sharp(await frontalPortrait(0))
    .extract({ left: 130, top: 130, width: 340, height: 340 })
    .resize(400, 400)
    .jpeg({ quality: 92 })
    .toBuffer();
}

/** 533×400: frontal face 0 moved against the left edge, its background stretched out to the right. */
export async function faceAtLeftEdge(): Promise<Buffer> {
  const shifted = await sharp(await frontalPortrait(0))
    .extract({ left: 100, top: 0, width: 500, height: 600 })
    .extend({ right: 300, extendWith: 'copy' })
    .toBuffer();
  return sharp(shifted).resize({ height: 400 }).jpeg({ quality: 92 }).toBuffer();
}
