import { z } from 'zod';
import { careerName } from '../persons/schemas';
import { limitParam, offsetParam } from '../../numeric-params';

export const startCareerSyncParams = z.object({ career: careerName });
export const startCareerSyncBody = z
  .object({
    /** Start-to-start spacing of HikCentral requests (seed 000 used 300 ms). */
    pacingMs: z.number().int().min(0).max(60_000).optional(),
    busyPauseMs: z.number().int().min(1_000).max(3_600_000).optional(),
  })
  .strict()
  .default({});
export type StartCareerSyncBody = z.infer<typeof startCareerSyncBody>;

export const workflowIdParams = z.object({
  workflowId: z.string().min(1).max(400).meta({ example: 'bulk-career-sync:Medicina' }),
});

export const SYNC_STATES = ['running', 'paused', 'pausedOnBusy', 'completed', 'cancelled', 'failed'] as const;
export const listSyncsQuery = z.object({
  state: z.enum(SYNC_STATES).optional(),
  career: careerName.optional(),
  limit: limitParam(200, 50),
  offset: offsetParam(),
});

export const outcomesQuery = z.object({
  outcome: z.enum(['synced', 'alreadyRegistered', 'photoRejected', 'failed']).optional(),
  limit: limitParam(1000, 100),
  offset: offsetParam(),
});

const counts = z.object({
  synced: z.number(),
  alreadyRegistered: z.number(),
  photoRejected: z.number(),
  failed: z.number(),
});

/**
 * `GET /api/syncs/:workflowId`: the progress fields in every state — from the workflow while it runs, from its
 * sync-run row once it has closed or Temporal no longer knows it — with the workflow's status and the row beside
 * them, so the last answer a poller sees still carries the final counts.
 */
export const syncAnswer = z.object({
  workflowId: z.string(),
  /** RUNNING or CLOSED; null when Temporal no longer knows the workflow (retention) and the row answers. */
  temporalStatus: z.enum(['RUNNING', 'CLOSED']).nullable(),
  total: z.number(),
  processed: z.number(),
  percent: z.number(),
  current: z.object({ ci: z.string(), name: z.string() }).nullable(),
  counts,
  state: z.string(),
  pausedUntil: z.string().nullable(),
  lastError: z.string().nullable(),
  run: z.looseObject({}).nullable(),
});
export type SyncAnswer = z.infer<typeof syncAnswer>;
