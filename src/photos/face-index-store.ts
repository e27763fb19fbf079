import type { EntityManager } from '@mikro-orm/postgresql';
import { FaceIndex, descriptorFromBytes, type FaceMatch } from './face-index';

/** Rows changed this long before the last refresh are read again: covers clock skew between writers. */
const OVERLAP_MS = 5_000;
/** A full reload this often drops people deleted since, who are otherwise only noticed when they match. */
const FULL_RELOAD_MS = 15 * 60_000;

/**
 * The process's face index kept in step with PostgreSQL, which every API and worker process writes.
 * A refresh reads only people changed since the last one (person.updated_at moves whenever the
 * current photo changes). Deleted people leave no row to read: a match is confirmed against the
 * database before it is returned (a stale one is dropped and the search goes on), and the whole
 * index is reloaded every {@link FULL_RELOAD_MS}. So a check costs one indexed read of the changes,
 * not a count over every face.
 */
export class FaceIndexStore {
  readonly index = new FaceIndex();
  private watermark: Date | null = null;
  private loadedAt = 0;
  private refreshing: Promise<void> | undefined;

  async nearest(em: EntityManager, descriptor: Float32Array, opts: { maxDistance: number; excludePersonId?: string }): Promise<FaceMatch | null> {
    await this.refresh(em);
    for (;;) {
      const match = this.index.nearest(descriptor, opts);
      if (match === null || (await this.stillCurrent(em, match.personId))) return match;
      this.index.remove(match.personId);
    }
  }

  /** The person still exists and their current photo has a face (a changed face arrives with the next refresh). */
  private async stillCurrent(em: EntityManager, personId: string): Promise<boolean> {
    const rows = await em.getConnection().execute<unknown[]>(
      `select 1 from person p join photo ph on ph.person_id = p.id and ph.version = p.photo_version
        where p.id = ? and ph.face_descriptor is not null`,
      [personId],
    );
    return rows.length > 0;
  }

  /**
   * A refresh that begins now, not one already under way: under the face-index lock, the search must see every face
   * committed before the lock was taken, which a refresh started earlier may have missed.
   */
  async catchUp(em: EntityManager): Promise<void> {
    await this.refreshing?.catch(() => undefined);
    await this.refresh(em);
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
    const since =
      this.watermark === null || Date.now() - this.loadedAt > FULL_RELOAD_MS ? null : new Date(this.watermark.getTime() - OVERLAP_MS);
    // person.updated_at moves whenever the current photo (and so its descriptor) changes: one indexed read.
    const rows = await conn.execute<{ id: string; ci: string; face_descriptor: Buffer | null }[]>(
      `select p.id, p.ci, ph.face_descriptor
         from person p left join photo ph on ph.person_id = p.id and ph.version = p.photo_version
        ${since === null ? '' : 'where p.updated_at > ?'}`,
      since === null ? [] : [since],
    );
    if (since === null) this.index.clear();
    for (const r of rows) {
      if (r.face_descriptor === null) this.index.remove(r.id);
      else this.index.upsert(r.id, r.ci, descriptorFromBytes(r.face_descriptor));
    }
    this.watermark = new Date(now);
    if (since === null) this.loadedAt = Date.now();
  }
}
