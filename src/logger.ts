import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { driverErrorFacts } from './logging/driver-errors';
import { serializeError } from './logging/error-serializer';
import { serializeRequest, serializeResponse } from './logging/http-serializers';
import { safeLogValue, safeMessage } from './logging/log-value';

/** Secrets and photo bytes never reach the logs: these paths are censored wherever they appear. */
export const REDACT_PATHS = [
  'authorization',
  '*.appSecret',
  'appSecret',
  '*.password',
  'password',
  '*.faceData',
  'faceData',
  'token',
  '*.token',
  'secret',
  '*.secret',
];

/**
 * The serializers of every gatesync logger (API, worker, gateway, broker, dev stack, simulators). pino-http
 * replaces a logger's `req`/`res`/`err` serializers with its own defaults unless given these (src/api/app.ts).
 */
export const LOG_SERIALIZERS = { err: serializeError, req: serializeRequest, res: serializeResponse };

export function createLogger(level: string, name = 'gatesync', destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    name,
    level,
    serializers: LOG_SERIALIZERS,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { log: safeLogObject },
    hooks: { logMethod: safeLogCall },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
export type { Logger };

/** The fields of a log call, held to the limits; the serialized keys get their serializer right after. */
function safeLogObject(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = k in LOG_SERIALIZERS ? v : safeLogValue(v, serializeError);
  return out;
}

/**
 * The message of a log call: pino takes an error's own message when none is given (`log.error(err)`), and
 * that text may embed SQL with its values; interpolated arguments are held to the same limits as fields.
 */
function safeLogCall(this: Logger, args: Parameters<Logger['info']>, method: (...a: unknown[]) => void): void {
  const [first, ...rest] = args as unknown[];
  if (typeof first === 'string') return method.apply(this, [safeMessage(first), ...rest.map(safeArgument)]);
  const [msg, ...interpolated] = rest;
  if (typeof msg === 'string') return method.apply(this, [first, safeMessage(msg), ...interpolated.map(safeArgument)]);
  const err = first instanceof Error ? first : (first as { err?: unknown } | null | undefined)?.err;
  if (err instanceof Error) return method.apply(this, [first, errorMessage(err)]);
  return method.apply(this, args as unknown[]);
}

function safeArgument(v: unknown): unknown {
  return typeof v === 'string' ? safeMessage(v) : safeLogValue(v, serializeError);
}

function errorMessage(err: Error): string {
  const facts = driverErrorFacts(err);
  return facts === null ? safeMessage(err.message) : `${facts.name}: ${facts.message}`;
}
