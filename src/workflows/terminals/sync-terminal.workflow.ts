import { allHandlersFinished, condition, continueAsNew, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import {
  terminalSyncProgressQuery,
  type SyncTerminalCarried,
  type SyncTerminalInput,
  type SyncTerminalProgress,
  type SyncTerminalResult,
  type TerminalSyncCounts,
  type TerminalSyncState,
} from '../../contracts';
import { terminalBulk } from '../activity-profiles';

const DEFAULTS = { pacingMs: 0, busyPauseMs: 15_000, batchSize: 25, continueAsNewAfterEvents: 4_000 };

/**
 * Brings a terminal's users to what the database says it should hold. The plan — adds, updates,
 * faces, removals, drift — is written to the database once per run; batches of it are then
 * applied by heartbeating activities, paced, pausing on Device Busy and resuming at the same
 * operation. History holds only counters and the position, and the run continues as new.
 */
export async function syncTerminal(input: SyncTerminalInput): Promise<SyncTerminalResult> {
  const o = { ...DEFAULTS, ...dropUndefined(input) };
  const info = workflowInfo();
  const st: SyncTerminalCarried = input.carried ?? {
    runKey: `${info.workflowId}/${info.firstExecutionRunId}`,
    total: 0,
    afterSeq: 0,
    counts: { added: 0, updated: 0, faces: 0, removed: 0, unchanged: 0, failed: 0, drift: 0 },
    busyPauses: 0,
    continuedAsNew: 0,
  };
  let state: TerminalSyncState = input.carried === undefined ? 'planning' : 'running';
  let pausedUntil: string | null = null;
  let lastError: string | null = null;
  const processed = () => Object.values(st.counts).reduce((a, b) => a + b, 0);
  setHandler(
    terminalSyncProgressQuery,
    (): SyncTerminalProgress => ({
      terminalId: input.terminalId,
      mode: input.mode,
      runKey: st.runKey,
      state,
      total: st.total,
      processed: processed(),
      percent: st.total > 0 ? Math.min(100, Math.round((processed() / st.total) * 1000) / 10) : state === 'completed' ? 100 : 0,
      counts: { ...st.counts },
      pausedUntil,
      busyPauses: st.busyPauses,
      lastError,
    }),
  );

  try {
    if (input.carried === undefined) {
      st.total = (await terminalBulk.planTerminalSync({ terminalId: input.terminalId, runKey: st.runKey, mode: input.mode, prune: input.prune ?? 'managed' })).total;
      state = 'running';
    }
    for (;;) {
      const r = await terminalBulk.applyTerminalOps({
        terminalId: input.terminalId,
        runKey: st.runKey,
        afterSeq: st.afterSeq,
        limit: o.batchSize,
        pacingMs: o.pacingMs,
        lastWriteAtMs: st.lastWriteAtMs ?? null,
      });
      st.lastWriteAtMs = r.lastWriteAtMs;
      st.afterSeq = r.lastSeq;
      // `?? 0`: counts carried from a run that continued as new before a counter existed.
      for (const [k, v] of Object.entries(r.counts)) st.counts[k as keyof TerminalSyncCounts] = (st.counts[k as keyof TerminalSyncCounts] ?? 0) + (v ?? 0);
      if (r.busy) {
        // The configured pause wins; otherwise what the terminal's answer suggests (~15 s, reference §2.1).
        const pauseMs = input.busyPauseMs ?? r.retryAfterMs ?? DEFAULTS.busyPauseMs;
        state = 'pausedOnBusy';
        pausedUntil = new Date(Date.now() + pauseMs).toISOString();
        lastError = 'the terminal answered Device Busy';
        st.busyPauses++;
        await sleep(pauseMs);
        state = 'running';
        pausedUntil = null;
        continue;
      }
      if (r.finished) break;
      const now = workflowInfo();
      if (now.continueAsNewSuggested || now.historyLength >= o.continueAsNewAfterEvents) {
        await condition(allHandlersFinished);
        return await continueAsNew<typeof syncTerminal>({ ...input, carried: { ...st, continuedAsNew: st.continuedAsNew + 1 } });
      }
    }
    state = 'completed';
    return { terminalId: input.terminalId, mode: input.mode, runKey: st.runKey, state, total: st.total, processed: processed(), counts: st.counts, busyPauses: st.busyPauses, lastError, continuedAsNew: st.continuedAsNew };
  } catch (e) {
    state = 'failed';
    lastError = e instanceof Error ? e.message : String(e);
    throw e;
  }
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
