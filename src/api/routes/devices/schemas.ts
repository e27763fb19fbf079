import { z } from 'zod';
import { careerName, ciSchema } from '../persons/schemas';
import { oneLineText } from '../../safe-text';
import { int8IdParam, limitParam } from '../../numeric-params';
import { AccessTimeWindowSchema, ClockTimeSchema } from '../../../targets/devices/protocol/messages';
import { DEVICE_ID_PATTERN } from '../../../targets/devices/protocol/topics';
import { DEVICE_ALERT_KINDS } from '../../../db/entities/device-alert.entity';

/** The protocol's device id: MQTT client id, username and topic level (topics.ts). */
export const deviceId = z
  .string()
  .regex(DEVICE_ID_PATTERN, 'device id: letters, digits, _ . : - (max 64), no / + # $')
  .meta({ example: 'door-1' });
export const deviceIdParams = z.object({ id: deviceId });

/** §15 fixed traits, under the protocol's own names; missing ones take the defaults. */
export const modelBody = z
  .object({
    check_type: z
      .string()
      .max(64)
      .regex(/^(fa|fp|pass|card)(,(fa|fp|pass|card))*$/, 'check_type: a comma list of fa, fp, pass, card')
      .meta({ example: 'fa,card' }),
    fa_alg: z.string().min(1).max(64),
    fa_capacity: z.number().int().min(0).max(10_000_000),
    fa_max: z.number().int().min(0).max(100),
    fp_alg: z.string().min(1).max(64),
    fp_capacity: z.number().int().min(0).max(10_000_000),
    fp_max: z.number().int().min(0).max(100),
    user_capacity: z.number().int().min(1).max(10_000_000),
    user_sync_size: z.number().int().min(1).max(1000),
    fa_app_input: z.boolean(),
  })
  .partial()
  .strict();
export type ModelBody = z.infer<typeof modelBody>;

/** A value's or a length's bound in a `*_config` definition: the protocol's values are 32-bit integers (§14). */
const configBound = z
  .number()
  .int()
  .min(-(2 ** 31))
  .max(2 ** 31 - 1);

/** A `*_config` definition (§15): choices with a default, or constraints. */
export const configParamBody = z.union([
  z
    .object({
      options: z
        .array(z.object({ value: z.string().max(200), label: z.string().max(200).optional() }).strict())
        .min(1)
        .max(100),
      default: z.string().max(200).optional(),
    })
    .strict(),
  z
    .object({
      type: z.enum(['int', 'string']),
      min: configBound.optional(),
      max: configBound.optional(),
      tips: z.string().max(500).optional(),
    })
    .strict()
    .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, 'min must not exceed max'),
]);

export const configBody = z
  .record(
    z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,62}_config$/, 'configurable parameters end in _config')
      .meta({ example: 'faceScore_config' }),
    configParamBody,
  )
  .refine((r) => Object.keys(r).length <= 200, 'at most 200 configurable parameters');

const careers = z.array(careerName).max(200);
const deviceName = oneLineText(100);

export const createDeviceBody = z
  .object({
    id: deviceId,
    name: deviceName,
    model: modelBody.default({}),
    config: configBody.default({}),
    careers: careers.default([]),
  })
  .strict();
export type CreateDeviceBody = z.infer<typeof createDeviceBody>;

export const patchDeviceBody = z
  .object({ name: deviceName, careers, model: modelBody, config: configBody })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');
export type PatchDeviceBody = z.infer<typeof patchDeviceBody>;

export const assignmentsBody = z.object({ cis: z.array(ciSchema).min(1).max(5000) }).strict();
export const assignmentParams = deviceIdParams.extend({ ci: ciSchema });

export const propertiesBody = z
  .object({
    properties: z
      .array(
        z
          .object({
            property: z.string().min(1).max(64),
            value: z.string().max(200),
            ext_value: z.string().max(200).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(100),
  })
  .strict();
export type PropertiesBody = z.infer<typeof propertiesBody>;

/** §10: days 0–6 (0 = Sunday), `HH:mm`; always the full set. */
export const openingHoursBody = z
  .object({
    times: z
      .array(
        AccessTimeWindowSchema.extend({
          day: z
            .array(z.number().int().min(0).max(6))
            .min(1)
            .max(7)
            .refine((d) => new Set(d).size === d.length, 'days must not repeat'),
          time_begin: ClockTimeSchema.meta({ example: '07:00' }),
          time_end: ClockTimeSchema.meta({ example: '20:00' }),
        }).strict(),
      )
      .max(50),
  })
  .strict();
export type OpeningHoursBody = z.infer<typeof openingHoursBody>;

export const checkinUploadBody = z.object({ days: z.number().int().min(1).max(366) }).strict();

export const checksQuery = z.object({ limit: limitParam(500, 50) });

/** `GET /api/devices/:id/alerts`: the alert history, newest first; `after` is the `next` of the previous page. */
export const alertsQuery = z
  .object({
    limit: limitParam(500, 50),
    after: int8IdParam('after').optional(),
    kind: z.enum(DEVICE_ALERT_KINDS).optional(),
    open: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
  })
  .strict();
export type AlertsQuery = z.infer<typeof alertsQuery>;
