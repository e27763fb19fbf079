import { z } from 'zod';
import { careerName, ciSchema } from '../persons/schemas';
import { oneLineText } from '../../safe-text';
import { INT4_MAX, intParam } from '../../numeric-params';

/** Seed 002 step 1: `{ hikvision_id, full_name, department }`; hikvision_id becomes the ci (= employeeNo). */
export const createUserBody = z
  .object({
    hikvision_id: ciSchema,
    full_name: oneLineText(256).meta({ example: 'Ana Loor Vera' }),
    department: careerName.optional(),
  })
  .strict();
export type CreateUserBody = z.infer<typeof createUserBody>;

/** The seed's numeric user id: person.user_id, an `integer`. */
export const userIdParams = z.object({ user_id: intParam({ min: 1, max: INT4_MAX }) });
export const deviceIdParams = z.object({ device_id: z.string().uuid('device_id must be a terminal id (UUID)') });

export const startCaptureBody = z
  .object({ hikvision_id: ciSchema.optional(), timeout_ms: z.number().int().min(1000).max(120_000).optional() })
  .strict()
  .optional();
export type StartCaptureBody = z.infer<typeof startCaptureBody>;

export const syncToDeviceBody = z
  .object({ device_id: z.string().uuid('device_id must be a terminal id (UUID)').optional() })
  .strict()
  .optional();
export type SyncToDeviceBody = z.infer<typeof syncToDeviceBody>;
