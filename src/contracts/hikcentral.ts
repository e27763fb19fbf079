/** Messages, inputs, results and ids of the HikCentral processes (seed 000, seed 001). */
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** The HikCentral workflows' type names, as registered by the worker (recorded histories name them: never rename). */
export const HikCentralWorkflow = {
  syncPerson: 'syncPerson',
  bulkCareerSync: 'bulkCareerSync',
} as const;

// ---------------------------------------------------------------- one person

export type PersonOutcome = 'synced' | 'alreadyRegistered' | 'photoRejected' | 'failed';

export interface SyncPersonInput {
  ci: string;
  /** The sync-run row id when called from a bulk run, so the outcome is recorded against it. */
  runId?: string;
  /**
   * Paced runs: the first HikCentral request must not leave before this (epoch ms). The workflow's
   * timer does the waiting; this only absorbs the few ms by which a timer may fire early relative to
   * the worker's clock, so "at least pacingMs apart" holds exactly.
   */
  notBeforeMs?: number;
}

export interface SyncPersonResult {
  ci: string;
  outcome: PersonOutcome;
  /** What was done on HikCentral: added, updated details/face, nothing. */
  action: 'added' | 'updated' | 'faceUpdated' | 'none' | 'rejected' | 'error';
  hikPersonId?: string;
  /** HikCentral's code ("0", "131", …) or gatesync's failure type. */
  code: string;
  message: string;
  /** Worker clock (epoch ms) when the first HikCentral request of this sync was sent; pacing uses it. */
  requestStartedAtMs?: number;
  /** How long the activity held the request for `notBeforeMs`. */
  pacingHeldMs?: number;
  /** The person was added to the configured access levels, which HikCentral must then apply. */
  joinedPrivilegeGroups?: boolean;
}

export const syncPersonWorkflowId = (ci: string): string => `sync-person:${ci}`;

// ---------------------------------------------------------------- bulk career sync

export type BulkSyncState = 'running' | 'paused' | 'pausedOnBusy' | 'cancelling' | 'completed' | 'cancelled' | 'failed';

export interface BulkSyncCounts {
  synced: number;
  alreadyRegistered: number;
  photoRejected: number;
  failed: number;
}

export interface BulkSyncFailure {
  ci: string;
  outcome: 'photoRejected' | 'failed';
  code: string;
  message: string;
}

export interface BulkCareerSyncInput {
  career: string;
  pacingMs?: number;
  /** Backoff when HikCentral is overloaded (default 5 minutes). */
  busyPauseMs?: number;
  /** Consecutive transient failures that count as "overloaded". */
  transientRunLimit?: number;
  /** Re-run only the people who failed in this earlier sync-run (row id). */
  retryOfRunId?: string;
  /** Continue as new after this many history events (the server's suggestion also counts). */
  continueAsNewAfterEvents?: number;
  /** People fetched per activity call. */
  pageSize?: number;
  /** Internal: carried through continue-as-new. */
  carried?: BulkSyncCarried;
}

export interface BulkSyncCarried {
  runId: string;
  cursor: string | null;
  total: number;
  processed: number;
  counts: BulkSyncCounts;
  failures: BulkSyncFailure[];
  failuresTruncated: number;
  paused: boolean;
  cancelRequested: boolean;
  lastError: string | null;
  continuedAsNew: number;
  appliedPrivileges: boolean;
  /** Someone joined an access level since the last apply (carried so a continued run still applies). */
  privilegesPending?: boolean;
}

export interface BulkSyncProgress {
  career: string;
  total: number;
  processed: number;
  percent: number;
  current: { ci: string; name: string } | null;
  counts: BulkSyncCounts;
  state: BulkSyncState;
  pausedUntil: string | null;
  lastError: string | null;
  pacingMs: number;
  continuedAsNew: number;
  /** The sync-run row id (for outcomes and retry-failed). */
  runId: string | null;
}

export interface BulkSyncResult {
  career: string;
  runId: string;
  state: 'completed' | 'cancelled';
  total: number;
  processed: number;
  counts: BulkSyncCounts;
  /** Each failure with its reason; capped so the result stays small — the rest is in the database. */
  failures: BulkSyncFailure[];
  failuresTruncated: number;
}

/** Failures kept in workflow state/result; the full list is in sync_outcome. */
export const MAX_FAILURES_IN_RESULT = 500;

const BULK_CAREER_SYNC_ID_PREFIX = 'bulk-career-sync:';
export const bulkCareerSyncWorkflowId = (career: string): string => `${BULK_CAREER_SYNC_ID_PREFIX}${career}`;
/** Whether `workflowId` is one `bulkCareerSyncWorkflowId` builds: the syncs API acts on no other workflow. */
export const isBulkCareerSyncWorkflowId = (workflowId: string): boolean =>
  workflowId.startsWith(BULK_CAREER_SYNC_ID_PREFIX) && workflowId.length > BULK_CAREER_SYNC_ID_PREFIX.length;

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const cancelSignal = defineSignal('cancel');
export const progressQuery = defineQuery<BulkSyncProgress>('progress');

/** A page of people for a bulk run: small records, never photos. */
export interface PersonRef {
  ci: string;
  name: string;
}

/** Workflow code changes, named for `patched()` (samples `patching-api`). */
export const Patches = {
  /** Apply access-level changes when someone joined one, for single syncs too (was: when any synced). */
  applyWhenGroupsJoined: 'apply-when-groups-joined',
} as const;
