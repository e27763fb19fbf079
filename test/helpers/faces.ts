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
