import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  importProgressQuery,
  type PhotoImportCarried,
  type PhotoImportInput,
  type PhotoImportOutcomeName,
  type PhotoImportProgress,
  type PhotoImportResult,
} from './contracts';
import { dbWork, photoWork } from './activity-profiles';

const DEFAULT_BATCH = 100;
const DEFAULT_CONTINUE_AS_NEW_AFTER = 4_000;

/**
 * Imports a photo dump (issue 3 §5): files named `<ci>.jpg|png|…` in batches, each batch one
 * heartbeating activity that resumes where it stopped; per-file outcomes go to the database (the
 * CSV report), only counters and the cursor (a file name) live here, and the run continues as new,
 * so thousands of files never blow up its history.
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
  let state: PhotoImportProgress['state'] = 'running';
  setHandler(
    importProgressQuery,
    (): PhotoImportProgress => ({
      importId: input.importId,
      total: st.total,
      processed: st.processed,
      percent: st.total > 0 ? Math.min(100, Math.round((st.processed / st.total) * 1000) / 10) : state === 'completed' ? 100 : 0,
      counts: { ...st.counts },
      state,
      continuedAsNew: st.continuedAsNew,
    }),
  );
  const persist = (finished: boolean) =>
    dbWork.updatePhotoImport({ importId: input.importId, total: st.total, processed: st.processed, counts: st.counts, state, finished });

  if (input.carried === undefined) st.total = await photoWork.countImportEntries(input.source);
  for (;;) {
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= threshold) {
      await condition(allHandlersFinished);
      st.continuedAsNew++;
      return await continueAsNew<typeof bulkPhotoImport>({ ...input, carried: st });
    }
    const r = await photoWork.importPhotoBatch({ importId: input.importId, source: input.source, afterName: st.cursor, limit: batchSize });
    if (r.handled === 0) break;
    for (const [k, n] of Object.entries(r.counts) as Array<[PhotoImportOutcomeName, number]>) st.counts[k] += n;
    st.processed += r.handled;
    st.cursor = r.lastName;
    st.total = Math.max(st.total, st.processed);
    await persist(false);
  }
  state = 'completed';
  await persist(true);
  return { importId: input.importId, total: st.total, processed: st.processed, counts: { ...st.counts }, state, continuedAsNew: st.continuedAsNew };
}
