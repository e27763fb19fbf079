/**
 * Messages, inputs, results and ids of the terminal (ISAPI) processes. Re-exported by
 * contracts.ts, which the API and tests import. Deterministic: only @temporalio/workflow and types.
 */
import { defineQuery } from '@temporalio/workflow';

export const TerminalFailureType = {
  /** Wrong credentials or the terminal's login lock: stop, never retry into the lockout (reference §2.1). */
  TerminalAuth: 'TerminalAuth',
  /** statusCode 2 Device Busy: the process pauses and resumes (§2.2). */
  TerminalBusy: 'TerminalBusy',
  /** No usable answer (timeouts, resets): retried with backoff. */
  TerminalTransient: 'TerminalTransient',
  /** A refusal the same call cannot overcome (notSupport, invalid content, capacity…). */
  TerminalPermanent: 'TerminalPermanent',
  /** Nobody presented a face before the capture timed out (seed 002 step 2). */
  NoFaceCaptured: 'NoFaceCaptured',
  /** The terminal or the person is not in gatesync's database. */
  TerminalNotFound: 'TerminalNotFound',
  /** The photo failed gatesync's checks or is missing: it is not pushed. */
  PhotoNotUsable: 'PhotoNotUsable',
  /** The capture was withdrawn (its enrolment cancelled), is another person's or already used: nothing from it is stored or bound. */
  CaptureWithdrawn: 'CaptureWithdrawn',
} as const;
export type TerminalFailureType = (typeof TerminalFailureType)[keyof typeof TerminalFailureType];

/** The terminal workflows' type names, as registered by the worker (recorded histories name them: never rename). */
export const TerminalWorkflow = {
  readTerminalCapabilities: 'readTerminalCapabilities',
  captureTerminalFace: 'captureTerminalFace',
  enrollOnTerminal: 'enrollOnTerminal',
  syncTerminal: 'syncTerminal',
} as const;

// ---------------------------------------------------------------- probe (reference §2: capabilities)

/**
 * One id per terminal: concurrent probes of one terminal join the run already reading it instead of each sending
 * their own requests; once it closed, the next probe starts a new run under the same id.
 */
export const probeTerminalWorkflowId = (terminalId: string): string => `terminal-probe:${terminalId}`;

// ---------------------------------------------------------------- capture (seed 002 step 2)

export interface CaptureTerminalFaceInput {
  terminalId: string;
  /** Who will present the face, when known; the capture is bound only to them (or, unknown, to whoever binds it). */
  ci?: string;
  timeoutMs?: number;
}

export interface CaptureTerminalFaceResult {
  captureId: string;
  /** The picture's URL on the terminal (seed 002: `https://…/LOCALS/pic/web_face_enrollpic.jpg@WEB…`). */
  faceDataUrl: string;
}

export const captureTerminalFaceWorkflowId = (terminalId: string): string => `terminal-capture:${terminalId}`;

// ---------------------------------------------------------------- enrolment

export type EnrollMethod = 'capture' | 'upload' | 'auto';

export interface EnrollOnTerminalInput {
  ci: string;
  terminalId: string;
  method: EnrollMethod;
  /** Bind a face captured before (seed 002: start-face-capture, then sync-to-device). */
  captureId?: string;
  /** Per capture attempt; default 30 s (seed 002: the person shows the face within 5–10 s). */
  captureTimeoutMs?: number;
  /** Capture attempts before giving up; default 2. */
  captureAttempts?: number;
}

export type EnrollStage =
  'starting' | 'ensuringUser' | 'waitingForFace' | 'binding' | 'uploading' | 'verifying' | 'done' | 'failed';

export interface EnrollProgress {
  ci: string;
  terminalId: string;
  stage: EnrollStage;
  /** What a person at the terminal or an admin should read, e.g. "present your face to the terminal". */
  message: string;
  method: 'capture' | 'upload' | null;
  captureAttempt: number;
}

export interface EnrollOnTerminalResult {
  ci: string;
  terminalId: string;
  outcome: 'enrolled' | 'failed';
  method: 'capture' | 'upload' | null;
  /** The user on the terminal: added, updated or already as wanted. */
  userAction: 'added' | 'updated' | 'unchanged' | null;
  faceBound: boolean;
  /** The face captured and bound, when the method was capture. */
  faceDataUrl?: string;
  message: string;
}

export const enrollOnTerminalWorkflowId = (terminalId: string, ci: string): string =>
  `terminal-enroll:${terminalId}:${ci}`;
export const enrollProgressQuery = defineQuery<EnrollProgress>('enrollProgress');

// ---------------------------------------------------------------- terminal sync

export type TerminalSyncMode = 'incremental' | 'full';
/**
 * Which users on the terminal a full sync may delete when the database does not want them: `managed` (the default)
 * only those gatesync manages — it wrote them, or their employeeNo is a person in its database — and reports the
 * others as drift; `all` deletes those too. Device administrators are never deleted.
 */
export type TerminalPrune = 'managed' | 'all';
/** `drift`: a user on the terminal gatesync does not manage, reported and left alone. */
export type TerminalOpKind = 'add' | 'update' | 'face' | 'remove' | 'drift';
export type TerminalSyncState = 'planning' | 'running' | 'pausedOnBusy' | 'completed' | 'failed';

export interface TerminalSyncCounts {
  added: number;
  updated: number;
  faces: number;
  removed: number;
  unchanged: number;
  failed: number;
  /** Users found on the terminal that gatesync does not manage, left alone (prune `managed`). */
  drift: number;
}

export interface SyncTerminalInput {
  terminalId: string;
  mode: TerminalSyncMode;
  /** Full mode: which unwanted users may be deleted; default `managed`. */
  prune?: TerminalPrune;
  /** Rest between one terminal write finishing and the next starting; default 0 (the client already sends one at a time). */
  pacingMs?: number;
  /** Pause after a Device Busy answer; default 15 s (reference §2.1: "retry in ~15 s"). */
  busyPauseMs?: number;
  /** Operations per activity; default 25. */
  batchSize?: number;
  /** Tests: continue as new after this many history events. */
  continueAsNewAfterEvents?: number;
  /** Carried through continue-as-new. */
  carried?: SyncTerminalCarried;
}

export interface SyncTerminalCarried {
  runKey: string;
  total: number;
  afterSeq: number;
  counts: TerminalSyncCounts;
  busyPauses: number;
  continuedAsNew: number;
  /** When the previous batch's last write left, so pacing holds across batches. */
  lastWriteAtMs?: number | null;
}

export interface SyncTerminalProgress {
  terminalId: string;
  mode: TerminalSyncMode;
  runKey: string;
  state: TerminalSyncState;
  total: number;
  processed: number;
  percent: number;
  counts: TerminalSyncCounts;
  pausedUntil: string | null;
  busyPauses: number;
  lastError: string | null;
}

export type SyncTerminalResult = Omit<SyncTerminalProgress, 'pausedUntil' | 'percent'> & { continuedAsNew: number };

export const syncTerminalWorkflowId = (terminalId: string): string => `terminal-sync:${terminalId}`;
export const terminalSyncProgressQuery = defineQuery<SyncTerminalProgress>('terminalSyncProgress');
