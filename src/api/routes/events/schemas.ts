import { z } from 'zod';
import { deviceId } from '../devices/schemas';

/** `GET /api/events?device=&from=&to=&after=&limit=`: keyset pages in (access_time, id) order. */
export const eventsQuery = z
  .object({
    device: deviceId.optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    /** The `next` cursor of the previous page. */
    after: z
      .string()
      .regex(/^\d{1,15}:\d{1,19}$/, 'after: the next cursor of the previous page')
      .optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict()
  .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) <= Date.parse(q.to), 'from must not be after to');
export type EventsQuery = z.infer<typeof eventsQuery>;

export const featureErrorsQuery = z
  .object({ user_id: z.coerce.number().int().min(1).max(0x7fffffff).optional(), device: deviceId.optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) })
  .strict();
