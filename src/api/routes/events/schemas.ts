import { z } from 'zod';
import { deviceId } from '../devices/schemas';
import { INT4_MAX, INT8_MAX, MAX_EPOCH_SECONDS, intParam, limitParam } from '../../numeric-params';

/**
 * The `next` cursor of a page of events, `<access_time in epoch seconds>:<event id>`: seconds up to year 9999 (as
 * far as `from`/`to` reach), the id a `bigint`.
 */
const eventsCursor = z
  .string()
  .regex(/^\d{1,12}:\d{1,19}$/, 'after: the next cursor of the previous page')
  .transform((s) => {
    const [seconds, id] = s.split(':') as [string, string];
    return { seconds: Number(seconds), id };
  })
  .refine(
    (c) => c.seconds <= MAX_EPOCH_SECONDS && BigInt(c.id) <= INT8_MAX,
    'after: the next cursor of the previous page',
  )
  .meta({ example: '1764650000:42' });
export type EventsCursor = z.output<typeof eventsCursor>;

/** `GET /api/events?device=&from=&to=&after=&limit=`: keyset pages in (access_time, id) order. */
export const eventsQuery = z
  .object({
    device: deviceId.optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    /** The `next` cursor of the previous page. */
    after: eventsCursor.optional(),
    limit: limitParam(1000, 100),
  })
  .strict()
  .refine(
    (q) => q.from === undefined || q.to === undefined || Date.parse(q.from) <= Date.parse(q.to),
    'from must not be after to',
  );
export type EventsQuery = z.infer<typeof eventsQuery>;

export const capturesQuery = z.object({ device: deviceId.optional(), limit: limitParam(500, 50) }).strict();

export const featureErrorsQuery = z
  .object({
    user_id: intParam({ min: 1, max: INT4_MAX }).optional(),
    device: deviceId.optional(),
    limit: limitParam(1000, 100),
  })
  .strict();
