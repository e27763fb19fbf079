/**
 * HikCentral answers classified where they are understood (STYLE 8). The client never retries; Temporal does,
 * so the only question answered here is "would the same call succeed later?" (`transient`) versus outcomes
 * that are final for this call.
 */

import { TIMEOUT_ERROR_CODES, TLS_ERROR_CODES, errorCode } from '../../transport-errors';

export type HikCentralErrorKind = 'alreadyExists' | 'notFound' | 'photoRejected' | 'transient' | 'permanent';

export interface HikCentralErrorFields {
  /** HCP code (e.g. "131", "0x02401003"), `http-<status>` when there is no envelope, or `timeout`/`network`/`tls`. */
  code: string;
  hcpMessage: string;
  httpStatus?: number;
  retryAfterMs?: number;
  /** API path (after `/artemis/api`) that produced the answer, for logs. */
  path?: string;
  cause?: unknown;
}

export class HikCentralError extends Error {
  readonly code: string;
  readonly hcpMessage: string;
  readonly httpStatus?: number;
  readonly retryAfterMs?: number;
  readonly path?: string;

  constructor(
    readonly kind: HikCentralErrorKind,
    fields: HikCentralErrorFields,
  ) {
    const where = fields.path === undefined ? '' : ` on ${fields.path}`;
    super(`HikCentral ${kind} (${fields.code})${where}: ${fields.hcpMessage}`, { cause: fields.cause });
    this.name = 'HikCentralError';
    this.code = fields.code;
    this.hcpMessage = fields.hcpMessage;
    this.httpStatus = fields.httpStatus;
    this.retryAfterMs = fields.retryAfterMs;
    this.path = fields.path;
  }

  get retryable(): boolean {
    return this.kind === 'transient';
  }

  /** HikCentral saying "too much, slow down" (429, server busy, max API calls, max load — §1.7). */
  get overloaded(): boolean {
    return this.kind === 'transient' && OVERLOAD_CODES.has(this.code);
  }
}

import { SIMULATOR_PHOTO_REJECTED_CODE } from '../protocol/error-codes';

export { SIMULATOR_PHOTO_REJECTED_CODE };

/**
 * Only the simulator's code: the guide documents none (§4 q3), and seed 000's "128" is the Biométrico
 * backend's own meaning, not HCP's (§1.7 ⚠). Real rejections are caught by the message text below.
 */
export const DEFAULT_PHOTO_REJECTED_CODES: readonly string[] = [SIMULATOR_PHOTO_REJECTED_CODE];

/** Face-quality wording; only consulted on calls that carry a face (§1.7 note, §4 q3). */
const PHOTO_WORDS = /\b(face|faces|picture|pic|photo|image|facial)\b/i;

/**
 * Worth retrying (§1.7): 4 timeout, 5 service exception, 6 server busy, service at max load / timeout /
 * unavailable (0x000521xx), and the gateway's max-API-calls limit.
 */
/** The transient answers that mean overload rather than a passing fault: a bulk run pauses on them. */
const OVERLOAD_CODES = new Set(['http-429', '6', '0x02401009', '0x00052101']);

const TRANSIENT_CODES = new Set(['4', '5', '6', '0x00052101', '0x00052103', '0x00052104', '0x02401009']);

export interface HikCentralAnswer {
  /** API path after `/artemis/api`, for messages only. */
  path?: string;
  httpStatus: number;
  /** Envelope code when the body was an envelope. */
  code?: string;
  msg?: string;
  /** Raw `Retry-After` header. */
  retryAfter?: string | null;
  /** Raw `X-Ca-Error-Message` header (gateway errors, §1.2). */
  gatewayMessage?: string | null;
  /** The request carried face data: only then can a code or message mean "photo rejected". */
  carriesFace?: boolean;
}

export interface ClassifyOptions {
  photoRejectedCodes?: readonly string[];
  /** For HTTP-date Retry-After values; tests pass a fixed clock. */
  now?: () => number;
}

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** `null` when the answer is a success ("0" in an HTTP 2xx envelope); otherwise the error to throw. */
export function classifyHikCentralAnswer(
  answer: HikCentralAnswer,
  options: ClassifyOptions = {},
): HikCentralError | null {
  const { httpStatus, path } = answer;
  const code = answer.code ?? `http-${httpStatus}`;
  const hcpMessage = answer.msg ?? answer.gatewayMessage ?? `HTTP ${httpStatus} without an envelope`;
  const fields: HikCentralErrorFields = { code, hcpMessage, httpStatus, path };
  const retryAfterMs = parseRetryAfter(answer.retryAfter, options.now?.());
  const transient = () => new HikCentralError('transient', { ...fields, retryAfterMs });

  // Gateway-level answers first: their HTTP status says more than any envelope they may carry (§1.4).
  if (httpStatus === 408 || httpStatus === 429 || httpStatus >= 500) return transient();
  if (httpStatus < 200 || httpStatus >= 300) return new HikCentralError('permanent', fields);
  if (answer.code === undefined) {
    // "200 OK but body is not the JSON envelope" is the classic signature-mismatch symptom (§1.8).
    return new HikCentralError('permanent', { ...fields, hcpMessage: answer.msg ?? 'answer is not the JSON envelope' });
  }

  if (code === '0') return null;
  const photoCodes = options.photoRejectedCodes ?? DEFAULT_PHOTO_REJECTED_CODES;
  if (answer.carriesFace && photoCodes.includes(code)) return new HikCentralError('photoRejected', fields);
  if (code === '131') return new HikCentralError('alreadyExists', fields);
  if (code === '128') return new HikCentralError('notFound', fields);
  if (TRANSIENT_CODES.has(code)) return transient();
  // No documented face-rejection code exists (§4 q3): a face-carrying call refused with face wording is
  // treated as a per-person photo problem rather than a configuration error.
  if (answer.carriesFace && PHOTO_WORDS.test(hcpMessage)) return new HikCentralError('photoRejected', fields);
  // 401/403-style gateway codes (0x0240100x), "2"/0x0007200x bad parameters, "17" no permission,
  // "8" unsupported path/module and anything unknown: retrying the same request cannot help.
  return new HikCentralError('permanent', fields);
}

/** Failures below HTTP: no answer at all, so the call may or may not have taken effect. */
export function classifyTransportError(err: unknown, path?: string, timedOut = false): HikCentralError {
  const code = errorCode(err);
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  if (timedOut || name === 'TimeoutError' || (code !== undefined && TIMEOUT_ERROR_CODES.has(code))) {
    return new HikCentralError('transient', { code: 'timeout', hcpMessage: message, path, cause: err });
  }
  // An untrusted certificate will not become trusted by retrying; it needs `ca` or `insecureTls` (§1.1).
  if (code !== undefined && TLS_ERROR_CODES.has(code)) {
    return new HikCentralError('permanent', { code: 'tls', hcpMessage: `${code}: ${message}`, path, cause: err });
  }
  const detail = code === undefined ? message : `${code}: ${message}`;
  return new HikCentralError('transient', { code: 'network', hcpMessage: detail, path, cause: err });
}
