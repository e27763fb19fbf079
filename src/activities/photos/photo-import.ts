import type { EntityManager } from '@mikro-orm/postgresql';
import { Person, PhotoImport, type PhotoImportOutcome } from '../../db/entities';
import { PhotoInputError } from '../../photos/photo-intake';
import { storePersonPhoto, type PhotoPipeline } from '../../db/repositories/photos/person-photo-store';
import { failedRulesMessage } from '../../photos/photo-rules';
import { ciFromFileName, openImportSource, type ImportSource, type OpenImportSource } from '../../photos/import-source';
import { heartbeat } from '../heartbeat';

export interface PhotoImportBatchResult {
  /** The last file name handled: the workflow's cursor. */
  lastName: string | null;
  counts: Partial<Record<PhotoImportOutcome, number>>;
  handled: number;
}

/** Files read per round trip inside one batch; heartbeats go out after each. */
const CHUNK = 10;

/**
 * Imports the next `limit` files after `afterName` (sorted order). A retry after a worker crash
 * skips the files this import already recorded — the database says where the attempt got to, since
 * heartbeats are throttled — and heartbeats after each chunk keep the activity alive.
 */
export async function importPhotoBatch(
  em: EntityManager,
  photos: PhotoPipeline,
  input: { importId: string; source: ImportSource; afterName: string | null; limit: number },
): Promise<PhotoImportBatchResult> {
  const source = await openImportSource(input.source);
  try {
    return await importFrom(em, photos, input, source);
  } finally {
    source.close();
  }
}

async function importFrom(
  em: EntityManager,
  photos: PhotoPipeline,
  input: { importId: string; afterName: string | null; limit: number },
  source: OpenImportSource,
): Promise<PhotoImportBatchResult> {
  const all = source.names;
  const start = upperIndex(all, input.afterName);
  const names = all.slice(start, start + input.limit);
  const batchEnd = names[names.length - 1] ?? input.afterName;
  const done = new Set(
    (
      await em
        .getConnection()
        .execute<{ file_name: string }[]>(
          'select file_name from photo_import_item where photo_import_id = ? and file_name > ? and file_name <= ?',
          [input.importId, input.afterName ?? '', batchEnd ?? ''],
        )
    ).map((r) => r.file_name),
  );
  const todo = names.filter((n) => !done.has(n));
  let lastName = input.afterName;
  for (let i = 0; i < todo.length; i += CHUNK) {
    const chunk = todo.slice(i, i + CHUNK);
    const files = await source.read(chunk);
    for (const name of chunk) {
      // The photo and its outcome row commit together, so a crash leaves both or neither.
      await em.fork().transactional(async (tem) => {
        const { outcome, ci, reason } = await importOne(tem, photos, name, files.get(name));
        await tem
          .getConnection()
          .execute(
            `insert into photo_import_item (id, created_at, updated_at, photo_import_id, file_name, ci, outcome, reason)
             values (gen_random_uuid(), now(), now(), ?, ?, ?, ?, ?)
             on conflict (photo_import_id, file_name) do update set outcome = excluded.outcome, reason = excluded.reason, updated_at = now()`,
            [input.importId, name, ci, outcome, reason],
            'run',
            tem.getTransactionContext(),
          );
      });
      lastName = name;
    }
    heartbeat({ lastName });
  }
  // Counts are read back from the rows of this batch's range, so a resumed batch does not count twice.
  const rows = await em.getConnection().execute<{ outcome: PhotoImportOutcome; n: string }[]>(
    `select outcome, count(*) as n from photo_import_item
      where photo_import_id = ? and file_name > ? and file_name <= ? group by outcome`,
    [input.importId, input.afterName ?? '', batchEnd ?? ''],
  );
  const counts: Partial<Record<PhotoImportOutcome, number>> = {};
  let handled = 0;
  for (const r of rows) {
    counts[r.outcome] = Number(r.n);
    handled += Number(r.n);
  }
  return { lastName: batchEnd, counts, handled };
}

function upperIndex(sorted: string[], after: string | null): number {
  if (after === null) return 0;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as string) <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function importOne(
  em: EntityManager,
  photos: PhotoPipeline,
  name: string,
  file: Buffer | Error | undefined,
): Promise<{ outcome: PhotoImportOutcome; ci: string | null; reason: string | null }> {
  const ci = ciFromFileName(name);
  if (ci === null) return { outcome: 'skipped', ci: null, reason: 'not named <ci>.jpg|jpeg|png|webp|avif' };
  if (file === undefined || file instanceof Error) return { outcome: 'unreadable', ci, reason: file?.message ?? 'missing' };
  const person = await em.findOne(Person, { ci });
  if (person === null) return { outcome: 'unknownCi', ci, reason: `no person with ci ${ci}` };
  let stored;
  try {
    stored = await storePersonPhoto(em, photos, person, file);
  } catch (e) {
    if (e instanceof PhotoInputError) return { outcome: 'unreadable', ci, reason: `${e.reason}: ${e.message}` };
    throw e;
  }
  // The same photo again: stored once (found by version), still reported by its checks.
  const { photo, unchanged } = stored;
  if (!photo.checksPassed) {
    return { outcome: 'failedCheck', ci, reason: photo.checks ? failedRulesMessage(photo.checks) : 'the photo failed its checks' };
  }
  return { outcome: unchanged ? 'unchanged' : 'imported', ci, reason: null };
}

export async function countImportEntries(source: ImportSource): Promise<number> {
  const open = await openImportSource(source);
  open.close();
  return open.names.length;
}

export async function updatePhotoImport(
  em: EntityManager,
  input: {
    importId: string;
    total: number;
    processed: number;
    counts: Record<PhotoImportOutcome, number>;
    state: string;
    reason?: string | null;
    finished: boolean;
  },
): Promise<void> {
  const row = await em.findOneOrFail(PhotoImport, { id: input.importId });
  row.total = input.total;
  row.processed = input.processed;
  row.counts = { ...input.counts };
  row.state = input.state;
  row.failureReason = input.reason ?? null;
  if (input.finished) row.finishedAt = new Date();
  await em.flush();
}

