import { analyseFaces, descriptorDistance } from './face-analysis';

export interface FaceComparison {
  identical: boolean;
  /** 0–100: cosine similarity of the two face descriptors (face-api's are unit-length: 1 − d²/2). */
  similarityPercent: number;
  distance: number;
}

export class NoUsableFaceError extends Error {
  constructor(readonly which: 'records' | 'target', readonly faces: number) {
    super(`${which === 'records' ? 'the records photo' : 'the photo on the target'} has ${faces === 0 ? 'no face' : `${faces} faces`}`);
    this.name = 'NoUsableFaceError';
  }
}

/**
 * Seed 000's "compare-hikdoc-est": are the records photo and the photo the target holds the same
 * person? Each must show exactly one face. `maxDistance` (default 0.45) is stricter than face-api's
 * customary 0.6, since different people in the package's samples came as close as 0.47.
 */
export async function compareFaces(records: Buffer, target: Buffer, maxDistance = 0.45): Promise<FaceComparison> {
  const [a, b] = [await analyseFaces(records), await analyseFaces(target)];
  if (a.faces.length !== 1) throw new NoUsableFaceError('records', a.faces.length);
  if (b.faces.length !== 1) throw new NoUsableFaceError('target', b.faces.length);
  const distance = descriptorDistance((a.faces[0] as { descriptor: Float32Array }).descriptor, (b.faces[0] as { descriptor: Float32Array }).descriptor);
  const similarityPercent = Math.max(0, Math.min(100, (1 - (distance * distance) / 2) * 100));
  return { identical: distance <= maxDistance, similarityPercent: Math.round(similarityPercent * 10) / 10, distance };
}
