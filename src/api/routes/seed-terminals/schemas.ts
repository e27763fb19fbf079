import { z } from 'zod';
import { ciSchema } from '../persons/schemas';

/** Seed 002 step 1: `{ hikvision_id, full_name, department }`; hikvision_id becomes the ci (= employeeNo). */
export const createUserBody = z
  .object({
    hikvision_id: ciSchema,
    full_name: z.string().trim().min(1).max(256),
    department: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
export type CreateUserBody = z.infer<typeof createUserBody>;

export const userIdParams = z.object({ user_id: z.coerce.number().int().min(1).max(2 ** 31 - 1) });
export const deviceIdParams = z.object({ device_id: z.string().uuid('device_id must be a terminal id (UUID)') });

export const startCaptureBody = z
  .object({ hikvision_id: ciSchema.optional(), timeout_ms: z.number().int().min(1000).max(120_000).optional() })
  .strict()
  .optional();
export type StartCaptureBody = z.infer<typeof startCaptureBody>;

export const syncToDeviceBody = z.object({ device_id: z.string().uuid('device_id must be a terminal id (UUID)').optional() }).strict().optional();
export type SyncToDeviceBody = z.infer<typeof syncToDeviceBody>;
