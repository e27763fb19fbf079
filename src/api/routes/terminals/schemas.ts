import { z } from 'zod';
import { careerName, ciSchema } from '../persons/schemas';
import { oneLine, oneLineText } from '../../safe-text';
import { limitParam, offsetParam } from '../../numeric-params';

/** A host name or an IP address; no scheme, path or credentials (they have their own fields). */
const host = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9.-]+$|^\[?[0-9A-Fa-f:]+\]?$/, 'host must be a host name or an IP address, without scheme or path')
  .meta({ example: '192.168.1.67' });

const pem = z
  .string()
  .max(20_000)
  .regex(/-----BEGIN CERTIFICATE-----/, 'caPem must be a PEM certificate')
  .meta({ example: '-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----\n' });
/** Sent in the Digest `Authorization` header: one line. */
const username = oneLine(z.string().min(1).max(64));
const careers = z.array(careerName).max(200);
const terminalName = oneLineText(100);

export const terminalIdParams = z.object({ id: z.string().uuid('terminal id must be a UUID') });

export const createTerminalBody = z
  .object({
    name: terminalName,
    host,
    port: z.number().int().min(1).max(65535).optional(),
    scheme: z.enum(['http', 'https']).default('https'),
    username,
    password: z.string().min(1).max(128),
    caPem: pem.optional(),
    insecureTls: z.boolean().default(false),
    careers: careers.default([]),
  })
  .strict();
export type CreateTerminalBody = z.infer<typeof createTerminalBody>;

export const patchTerminalBody = z
  .object({
    name: terminalName,
    host,
    port: z.number().int().min(1).max(65535),
    scheme: z.enum(['http', 'https']),
    username,
    password: z.string().min(1).max(128),
    caPem: pem.nullable(),
    insecureTls: z.boolean(),
    careers,
  })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');
export type PatchTerminalBody = z.infer<typeof patchTerminalBody>;

export const assignmentsBody = z.object({ cis: z.array(ciSchema).min(1).max(5000) }).strict();
export const assignmentParams = terminalIdParams.extend({ ci: ciSchema });

export const startTerminalSyncBody = z
  .object({
    mode: z.enum(['incremental', 'full']).default('incremental'),
    /**
     * Full mode: `managed` (default) deletes only unwanted users gatesync manages and reports the others as drift;
     * `all` deletes those too. Device administrators are never deleted.
     */
    prune: z.enum(['managed', 'all']).optional(),
    pacingMs: z.number().int().min(0).max(60_000).optional(),
  })
  .strict()
  .refine((b) => b.prune === undefined || b.mode === 'full', {
    path: ['prune'],
    message: 'prune applies to mode "full" (an incremental sync only removes users gatesync wrote)',
  });
export type StartTerminalSyncBody = z.infer<typeof startTerminalSyncBody>;

export const outcomesQuery = z.object({
  status: z.enum(['pending', 'done', 'failed']).optional(),
  limit: limitParam(1000, 200),
  offset: offsetParam(),
});

export const enrollBody = z
  .object({
    ci: ciSchema,
    method: z.enum(['capture', 'upload', 'auto']).default('auto'),
    captureTimeoutMs: z.number().int().min(1000).max(120_000).optional(),
    captureAttempts: z.number().int().min(1).max(5).optional(),
  })
  .strict();
export type EnrollBody = z.infer<typeof enrollBody>;

export const captureIdParams = z.object({ id: z.string().uuid('capture id must be a UUID') });
