import { describe, expect, it } from 'vitest';
import { DESCRIPTOR_LENGTH, FaceIndex, descriptorFromBytes, descriptorToBytes } from '../../src/photos/face-index';

/** Deterministic pseudo-random descriptors (mulberry32), scaled like face-api's (unit length). */
function generator(seed: number) {
  let a = seed;
  const rnd = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (): Float32Array => {
    const v = new Float32Array(DESCRIPTOR_LENGTH).map(() => rnd() - 0.5);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
}

const dist = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((s, x, i) => s + (x - (b[i] as number)) ** 2, 0));

function near(v: Float32Array, by: number, next: () => Float32Array): Float32Array {
  const noise = next();
  const out = v.map((x, i) => x + (noise[i] as number) * by);
  const norm = Math.hypot(...out);
  return out.map((x) => x / norm);
}

describe('face index (exact nearest neighbour with early abandoning)', () => {
  it('should find the same neighbour as a brute-force scan, within the threshold only', () => {
    const next = generator(7);
    const index = new FaceIndex();
    const stored: Float32Array[] = [];
    for (let i = 0; i < 3000; i++) {
      const v = next();
      stored.push(v);
      index.upsert(`p${i}`, `ci${i}`, v);
    }
    for (let q = 0; q < 50; q++) {
      const target = stored[q * 37] as Float32Array;
      const query = near(target, 0.15, next);
      let best = -1;
      let bestD = Infinity;
      stored.forEach((v, i) => {
        const d = dist(v, query);
        if (d < bestD) [best, bestD] = [i, d];
      });
      const found = index.nearest(query, { maxDistance: 0.45 });
      if (bestD <= 0.45) {
        expect(found?.personId).toBe(`p${best}`);
        expect(found?.distance).toBeCloseTo(bestD, 5);
      } else {
        expect(found).toBeNull();
      }
    }
    // Unrelated faces are far apart: nothing within 0.45.
    expect(index.nearest(next(), { maxDistance: 0.45 })).toBeNull();
  });

  it('should skip the person asking, and forget removed people while keeping the rest findable', () => {
    const next = generator(11);
    const index = new FaceIndex();
    const vs = Array.from({ length: 5 }, () => next());
    vs.forEach((v, i) => index.upsert(`p${i}`, `ci${i}`, v));
    expect(index.nearest(vs[2] as Float32Array, { maxDistance: 0.1 })?.ci).toBe('ci2');
    expect(index.nearest(vs[2] as Float32Array, { maxDistance: 0.1, excludePersonId: 'p2' })).toBeNull();
    index.remove('p1');
    expect(index.size).toBe(4);
    expect(index.nearest(vs[1] as Float32Array, { maxDistance: 0.1 })).toBeNull();
    // p4 moved into p1's slot and is still found under its own id.
    expect(index.nearest(vs[4] as Float32Array, { maxDistance: 0.1 })).toMatchObject({ personId: 'p4', ci: 'ci4' });
    // A new photo replaces the person's descriptor.
    index.upsert('p4', 'ci4', vs[0] as Float32Array);
    expect(index.nearest(vs[4] as Float32Array, { maxDistance: 0.1 })).toBeNull();
    expect(index.size).toBe(4);
  });

  it('should round-trip descriptors through their stored bytes', () => {
    const v = generator(3)();
    expect(Array.from(descriptorFromBytes(descriptorToBytes(v)))).toEqual(Array.from(v));
    expect(() => new FaceIndex().upsert('p', 'c', new Float32Array(64))).toThrow(/128 values/);
  });
});
