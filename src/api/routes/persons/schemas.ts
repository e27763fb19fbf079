import { z } from 'zod';
import { PERSON_KINDS } from '../../../db/entities/person.entity';
import { oneLineText } from '../../safe-text';
import { limitParam, offsetParam } from '../../numeric-params';

/** HikCentral personCode is ≤16 characters and cannot change once set (reference §1.6). */
export const ciSchema = z
  .string()
  .regex(/^[0-9A-Za-z]{4,16}$/, 'ci must be 4–16 letters or digits (it becomes the HikCentral personCode)')
  .meta({ example: '1311112222' });

/** A career as people, doors and terminals name it. */
export const careerName = oneLineText(200).meta({ example: 'Medicina' });

export const createPersonBody = z
  .object({
    ci: ciSchema,
    givenName: oneLineText(256),
    familyName: oneLineText(256),
    secondFamilyName: oneLineText(256).optional(),
    career: careerName,
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
  career: careerName.optional(),
  pending: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  /** People whose current photo fails this check, e.g. `duplicateFace` for the admin's review list. */
  failing: z
    .string()
    .regex(/^[A-Za-z]{2,40}$/, 'failing is a check name such as duplicateFace, frontal or minResolution')
    .optional(),
  limit: limitParam(500, 100),
  offset: offsetParam(),
});
