import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  importProgressQuery,
  type PhotoImportCarried,
  type PhotoImportInput,
  type PhotoImportOutcomeName,
  type PhotoImportProgress,
  type PhotoImportResult,
  type PhotoImportState,
} from '../../contracts';
import { dbWork, photoWork } from '../activity-profiles';

const DEFAULT_BATCH = 100;
const DEFAULT_CONTINUE_AS_NEW_AFTER = 4_000;

/**
 * Imports a photo dump: files named `<ci>.jpg|png|…` in batches, each batch one heartbeating activity that resumes
 * where it stopped; per-file outcomes go to the database (the CSV report), only counters and the cursor (a file
 * name) live here, and the run continues as new, so thousands of files never blow up its history.
 *
 * However the run ends — completed, a dump that cannot be imported (ImportSourceInvalid, never retried), attempts
 * exhausted, cancelled — the import row records it with its reason before the workflow closes, so the API never
 * shows a closed import as `running`.
 */
export async function bulkPhotoImport(input: PhotoImportInput): Promise<PhotoImportResult> {
  const batchSize = input.batchSize ?? DEFAULT_BATCH;
  const threshold = input.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER;
  const st: PhotoImportCarried = input.carried ?? {
    total: 0,
    processed: 0,
    cursor: null,
    counts: { imported: 0, unchanged: 0, unknownCi: 0, failedCheck: 0, unreadable: 0, skipped: 0 },
    continuedAsNew: 0,
  };
  let state: PhotoImportState = 'running';
  let reason: string | null = null;
  setHandler(importProgressQuery, (): PhotoImportProgress => ({
    importId: input.importId,
    total: st.total,
    processed: st.processed,
    percent:
      st.total > 0 ? Math.min(100, Math.round((st.processed / st.total) * 1000) / 10) : state === 'completed' ? 100 : 0,
    counts: { ...st.counts },
    state,
    reason,
    continuedAsNew: st.continuedAsNew,
  }));
  const persist = (finished: boolean) =>
    dbWork.updatePhotoImport({
      importId: input.importId,
      total: st.total,
      processed: st.processed,
      counts: st.counts,
      state,
      reason,
      finished,
    });
  const result = (): PhotoImportResult => ({
    importId: input.importId,
    total: st.total,
    processed: st.processed,
    counts: { ...st.counts },
    state,
    reason,
    continuedAsNew: st.continuedAsNew,
  });

  try {
    if (input.carried === undefined) st.total = await photoWork.countImportEntries(input.source);
    for (;;) {
      const info = workflowInfo();
      if (info.continueAsNewSuggested || info.historyLength >= threshold) {
        await condition(allHandlersFinished);
        st.continuedAsNew++;
        return await continueAsNew<typeof bulkPhotoImport>({ ...input, carried: st });
      }
      const r = await photoWork.importPhotoBatch({
        importId: input.importId,
        source: input.source,
        afterName: st.cursor,
        limit: batchSize,
      });
      if (r.handled === 0) break;
      for (const [k, n] of Object.entries(r.counts) as Array<[PhotoImportOutcomeName, number]>) st.counts[k] += n;
      st.processed += r.handled;
      st.cursor = r.lastName;
      st.total = Math.max(st.total, st.processed);
      await persist(false);
    }
    state = 'completed';
    await persist(true);
    return result();
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    const cancelled = isCancellation(err);
    state = cancelled ? 'cancelled' : 'failed';
    reason = cancelled ? 'the import was cancelled' : failureReason(err);
    // Even a cancelled run records how it ended.
    await CancellationScope.nonCancellable(() => persist(true));
    if (cancelled) throw err;
    throw ApplicationFailure.create({
      message: reason,
      type: failureType(err),
      nonRetryable: true,
      cause: err as Error,
    });
  }
}

/** The words an admin reads on the import: the activity's own message, not "Activity task failed". */
function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof Error && cause.message !== '' ? cause.message : String(cause);
}

function failureType(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && cause.type !== undefined && cause.type !== null
    ? cause.type
    : 'PhotoImportFailed';
}
