import type { EntityManager } from '@mikro-orm/postgresql';
import { FaceIndex, descriptorFromBytes, type FaceMatch } from './face-index';

/** Rows changed this long before the last refresh are read again: covers clock skew between writers. */
const OVERLAP_MS = 5_000;

/**
 * The process's face index kept in step with PostgreSQL, which every API and worker process writes.
 * A refresh reads only people changed since the last one (person.updated_at moves whenever the
 * current photo changes) and reloads everything when the count disagrees (people deleted).
 */
export class FaceIndexStore {
  readonly index = new FaceIndex();
  private watermark: Date | null = null;
  private refreshing: Promise<void> | undefined;

  async nearest(em: EntityManager, descriptor: Float32Array, opts: { maxDistance: number; excludePersonId?: string }): Promise<FaceMatch | null> {
    await this.refresh(em);
    return this.index.nearest(descriptor, opts);
  }

  /** Concurrent callers share one refresh. */
  refresh(em: EntityManager): Promise<void> {
    this.refreshing ??= this.load(em).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(em: EntityManager): Promise<void> {
    const conn = em.getConnection();
    const [{ now }] = (await conn.execute<{ now: string | Date }[]>('select now() as now')) as [{ now: string | Date }];
    const since = this.watermark === null ? null : new Date(this.watermark.getTime() - OVERLAP_MS);
    const rows = await conn.execute<{ id: string; ci: string; face_descriptor: Buffer | null }[]>(
      `select p.id, p.ci, ph.face_descriptor
         from person p left join photo ph on ph.person_id = p.id and ph.version = p.photo_version
        where ?::timestamptz is null or p.updated_at > ?::timestamptz or ph.updated_at > ?::timestamptz`,
      [since, since, since],
    );
    if (since === null) this.index.clear();
    for (const r of rows) {
      if (r.face_descriptor === null) this.index.remove(r.id);
      else this.index.upsert(r.id, r.ci, descriptorFromBytes(r.face_descriptor));
    }
    this.watermark = new Date(now);
    if (since !== null) {
      const [{ n }] = (await conn.execute<{ n: string }[]>(
        `select count(*) as n from person p join photo ph on ph.person_id = p.id and ph.version = p.photo_version
          where ph.face_descriptor is not null`,
      )) as [{ n: string }];
      if (Number(n) !== this.index.size) {
        this.watermark = null;
        await this.load(em);
      }
    }
  }
}
