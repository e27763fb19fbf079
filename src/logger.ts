import pino, { type Logger } from 'pino';

/** Secrets and photo bytes never reach the logs: these paths are censored wherever they appear. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  '*.appSecret',
  'appSecret',
  '*.password',
  'password',
  '*.faceData',
  'faceData',
  'token',
  '*.token',
];

export function createLogger(level: string, name = 'gatesync'): Logger {
  return pino({ name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
export type { Logger };
