import { z } from 'zod';
import { PERSON_KINDS } from '../../../db/entities/person.entity';

/** HikCentral personCode is ≤16 characters and cannot change once set (reference §1.6). */
export const ciSchema = z
  .string()
  .regex(/^[0-9A-Za-z]{4,16}$/, 'ci must be 4–16 letters or digits (it becomes the HikCentral personCode)');

const name = (max: number) => z.string().trim().min(1).max(max);

export const createPersonBody = z
  .object({
    ci: ciSchema,
    givenName: name(256),
    familyName: name(256),
    secondFamilyName: name(256).optional(),
    career: name(200),
    kind: z.enum(PERSON_KINDS),
    active: z.boolean().optional(),
  })
  .strict();
export type CreatePersonBody = z.infer<typeof createPersonBody>;

export const ciParams = z.object({ ci: ciSchema });

/** An admin's decision on a photo flagged as another person's face. */
export const photoReviewBody = z
  .object({
    decision: z.literal('approve'),
    note: z.string().trim().min(1).max(500).optional(),
  })
  .strict();
export type PhotoReviewBody = z.infer<typeof photoReviewBody>;

export const listPersonsQuery = z.object({
  career: name(200).optional(),
  pending: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')),
  /** People whose current photo fails this check, e.g. `duplicateFace` for the admin's review list. */
  failing: z
    .string()
    .regex(/^[A-Za-z]{2,40}$/, 'failing is a check name such as duplicateFace, frontal or minResolution')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
