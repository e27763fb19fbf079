/** Messages, inputs, results and ids of the photo processes. Never the bytes: paths, ids and counters. */
import { defineQuery } from '@temporalio/workflow';

/** The photo workflows' type names, as registered by the worker (recorded histories name them: never rename). */
export const PhotoWorkflow = {
  bulkPhotoImport: 'bulkPhotoImport',
  personPhotoIntake: 'personPhotoIntake',
  personPhotoComparison: 'personPhotoComparison',
} as const;

// ---------------------------------------------------------------- bulk photo import

/** Where a photo dump is on the server: a folder, or a zip saved by the API. Never the bytes. */
export type ImportSource = { kind: 'folder'; path: string } | { kind: 'zip'; path: string };

export type PhotoImportOutcomeName = 'imported' | 'unchanged' | 'unknownCi' | 'failedCheck' | 'unreadable' | 'skipped';
export type PhotoImportCounts = Record<PhotoImportOutcomeName, number>;

export interface PhotoImportCarried {
  total: number;
  processed: number;
  cursor: string | null;
  counts: PhotoImportCounts;
  continuedAsNew: number;
}

export interface PhotoImportInput {
  /** The photo_import row the API created. */
  importId: string;
  source: ImportSource;
  batchSize?: number;
  continueAsNewAfterEvents?: number;
  carried?: PhotoImportCarried;
}

export type PhotoImportState = 'running' | 'completed' | 'failed' | 'cancelled';

export interface PhotoImportProgress {
  importId: string;
  total: number;
  processed: number;
  percent: number;
  counts: PhotoImportCounts;
  state: PhotoImportState;
  /** Why the import failed as a whole; null while it runs and when it completed. */
  reason: string | null;
  continuedAsNew: number;
}

export type PhotoImportResult = Omit<PhotoImportProgress, 'percent'>;

export const photoImportWorkflowId = (importId: string): string => `photo-import:${importId}`;
export const importProgressQuery = defineQuery<PhotoImportProgress>('importProgress');

// ---------------------------------------------------------------- one person's photo, from upload to stored

/** Why intake refused the bytes: the caller's mistake, answered as 400 with this reason. */
export type PhotoRefusalReason = 'unsupportedFormat' | 'undecodable' | 'tooManyPixels' | 'empty' | 'contentTypeMismatch';

export interface PersonPhotoIntakeInput {
  /** The photo_upload row the API staged; the bytes stay in PostgreSQL. */
  uploadId: string;
  ci: string;
}

export type PersonPhotoIntakeResult =
  | { outcome: 'stored'; version: string; unchanged: boolean; checksPassed: boolean }
  | { outcome: 'refused'; reason: PhotoRefusalReason; message: string }
  /** The upload was taken by an earlier attempt, or its person was deleted meanwhile. */
  | { outcome: 'gone' };

export const personPhotoIntakeWorkflowId = (uploadId: string): string => `photo-intake:${uploadId}`;

// ---------------------------------------------------------------- a person's records photo against HikCentral's

export interface PersonPhotoComparisonInput {
  ci: string;
}

export type PersonPhotoComparisonResult =
  | { outcome: 'compared'; identical: boolean; similarityPercent: number; distance: number }
  /** One side shows no face or several (seed 000: the answer says so instead of a number). */
  | { outcome: 'noUsableFace'; error: string }
  | { outcome: 'noRecordsPhoto' }
  | { outcome: 'noTargetPhoto' };

/** One comparison of a person at a time: callers asking at once share its answer. */
export const personPhotoComparisonWorkflowId = (ci: string): string => `photo-compare:${ci}`;
