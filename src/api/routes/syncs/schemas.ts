import { z } from 'zod';

export const startCareerSyncParams = z.object({ career: z.string().trim().min(1).max(200) });
export const startCareerSyncBody = z
  .object({
    /** Start-to-start spacing of HikCentral requests (seed 000 used 300 ms). */
    pacingMs: z.number().int().min(0).max(60_000).optional(),
    busyPauseMs: z.number().int().min(1_000).max(3_600_000).optional(),
  })
  .strict()
  .default({});
export type StartCareerSyncBody = z.infer<typeof startCareerSyncBody>;

export const workflowIdParams = z.object({ workflowId: z.string().min(1).max(400) });

export const SYNC_STATES = ['running', 'paused', 'pausedOnBusy', 'completed', 'cancelled', 'failed'] as const;
export const listSyncsQuery = z.object({
  state: z.enum(SYNC_STATES).optional(),
  career: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const outcomesQuery = z.object({
  outcome: z.enum(['synced', 'alreadyRegistered', 'photoRejected', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
