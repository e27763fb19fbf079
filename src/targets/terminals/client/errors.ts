/**
 * ISAPI answers classified where they are understood (STYLE 8). The client never retries on its own (except the
 * one digest re-challenge); callers — Temporal activities — decide, so each error says whether the same call
 * could succeed later (`retryable`) and what the caller should do otherwise (`kind`).
 */

import { IsapiStatusCode } from '../protocol/status-codes';
import { TIMEOUT_ERROR_CODES, TLS_ERROR_CODES, errorCode } from '../../transport-errors';

export type IsapiErrorKind =
  /** Wrong credentials, or the terminal's "illegal login lock" (§2.1). Never retried: it feeds the lockout. */
  | 'auth'
  /** statusCode 2 "Device Busy" (`deviceBusy`, `noMemory`, `upgrading`, …, §2.2): retry later (~15 s, §2.1). */
  | 'busy'
  /** No answer (connect/read timeout, reset): the call may or may not have taken effect. */
  | 'transient'
  /** `employeeNoAlreadyExist` & co. (§2.2, §2.7): the caller reconciles (read, then Modify/SetUp). */
  | 'alreadyExists'
  /** `employeeNoNotExist` (§2.2). Delete methods turn it into success (§2.7). */
  | 'notFound'
  /** `notSupport` or a 404 for an ISAPI path: this model/firmware lacks the feature (§2.2, §3 issues). */
  | 'notSupported'
  /** HTTP 405 / `methodNotAllowed` (§2.2, §2.3 Modify; seed 002 PUT into /LOCALS/). */
  | 'methodNotAllowed'
  /** statusCode 5: `badJsonFormat` / `badXmlFormat` — the body did not parse (§2.2). */
  | 'badFormat'
  /** statusCode 6 "Invalid Content": `badJsonContent`, `badXmlContent`, `badParameters`, … (§2.2). */
  | 'invalidContent'
  /** The terminal could not download `faceURL` (§2.5, seed 002). */
  | 'urlDownloadFail'
  /** A model capacity is reached: `userExceedLimit`, `faceNumOverLimit`, … (§2.2). */
  | 'capacity'
  /** The face picture itself was refused (no face, quality, size) on a call that carried one (§2.2, §2.5). */
  | 'faceRejected'
  /** CaptureFaceData ended without anyone presenting a face (§2.3, seed 002 step 2). */
  | 'noFaceCaptured'
  /** Anything else final: device error, reboot required, low privilege, untrusted TLS certificate. */
  | 'permanent';

import type { ResponseStatus } from '../protocol/response-status';

export type { ResponseStatus };

export interface IsapiErrorFields {
  /** ISAPI path that produced the answer (no credentials are ever part of it). */
  path?: string;
  httpStatus?: number;
  status?: ResponseStatus;
  /** Hint for `busy`: how long a production client waits before retrying (§2.1 [obs]). */
  retryAfterMs?: number;
  /** `timeout`, `network`, `tls` for failures below HTTP. */
  transport?: string;
  message?: string;
  cause?: unknown;
}

export class IsapiError extends Error {
  readonly path?: string;
  readonly httpStatus?: number;
  readonly statusCode?: number;
  readonly statusString?: string;
  readonly subStatusCode?: string;
  readonly errorCode?: number;
  readonly errorMsg?: string;
  readonly retryAfterMs?: number;
  readonly transport?: string;

  constructor(
    readonly kind: IsapiErrorKind,
    fields: IsapiErrorFields = {},
  ) {
    const where = fields.path === undefined ? '' : ` on ${fields.path}`;
    const s = fields.status;
    const detail =
      fields.message ??
      (s !== undefined
        ? `${s.statusCode} ${s.statusString ?? ''} / ${s.subStatusCode ?? ''}${s.errorMsg ? ` (${s.errorMsg})` : ''}`
        : `HTTP ${fields.httpStatus ?? '?'}`);
    super(`ISAPI ${kind}${where}: ${detail}`, { cause: fields.cause });
    this.name = 'IsapiError';
    this.path = fields.path;
    this.httpStatus = fields.httpStatus;
    this.statusCode = s?.statusCode;
    this.statusString = s?.statusString;
    this.subStatusCode = s?.subStatusCode;
    this.errorCode = s?.errorCode;
    this.errorMsg = s?.errorMsg;
    this.retryAfterMs = fields.retryAfterMs;
    this.transport = fields.transport;
  }

  /** Would the same call succeed later without anyone changing anything? */
  get retryable(): boolean {
    return this.kind === 'busy' || this.kind === 'transient';
  }
}

/**
 * Credentials refused twice in a row, or the terminal is in its login lockout (§2.1). The client stops at once
 * and refuses further calls until `clearAuthFailure()`: every further attempt would count towards — or extend —
 * the "illegal login lock".
 */
export class IsapiAuthError extends IsapiError {
  constructor(
    fields: IsapiErrorFields & {
      /** The terminal said it is locked (`<lockStatus>lock</lockStatus>` in the 401 body). */
      locked?: boolean;
      unlockInSeconds?: number;
      /** Credentialed requests made for this call before giving up. */
      attempts?: number;
    },
  ) {
    super('auth', fields);
    this.name = 'IsapiAuthError';
    this.locked = fields.locked ?? false;
    this.unlockInSeconds = fields.unlockInSeconds;
    this.attempts = fields.attempts ?? 0;
  }

  readonly locked: boolean;
  readonly unlockInSeconds?: number;
  readonly attempts: number;
}

/** A production client maps `deviceBusy` to "retry in ~15 s" (§2.1 [obs]). */
export const BUSY_RETRY_AFTER_MS = 15_000;

const BUSY_SUB_CODES = new Set(['deviceBusy', 'noMemory', 'serviceUnavailable', 'upgrading', 'reConnectIpc']);
const ALREADY_EXISTS_SUB_CODES = new Set([
  'employeeNoAlreadyExist',
  'deviceUserAlreadyExist',
  'deviceUserAlreadyExistFace',
  'faceDataExist',
  'cardNoAlreadyExist',
  'duplicateCardNo',
  'fingerPrintDataExist',
]);
const CAPACITY_SUB_CODES = new Set([
  'userExceedLimit',
  'faceNumOverLimit',
  'faceNumFull',
  'cardNumOverLimit',
  'fingerPrintNumOverLimit',
]);
const FACE_SUB_CODES = new Set(['noFaceDetected', 'faceQualityTooLow', 'duplicateFace']);
/** `errorMsg` "often names the offending field" (§2.2): on a face upload, these names mean the picture. */
const IMAGE_FIELD = /image|picture|pic|face(?!LibType|URL)/i;

export interface IsapiAnswer {
  path?: string;
  httpStatus: number;
  status?: ResponseStatus;
  /** The request carried a face picture (multipart upload). */
  carriesFace?: boolean;
}

/** `null` for a success: HTTP 2xx with no ResponseStatus, or statusCode 1. */
export function classifyIsapiAnswer(answer: IsapiAnswer): IsapiError | null {
  const { httpStatus, status, path } = answer;
  const fields: IsapiErrorFields = { path, httpStatus, status };
  const ok = httpStatus >= 200 && httpStatus < 300;
  if (ok && (status === undefined || status.statusCode === IsapiStatusCode.ok)) return null;

  if (status !== undefined && status.statusCode !== IsapiStatusCode.ok) {
    const sub = status.subStatusCode ?? '';
    if (status.statusCode === IsapiStatusCode.deviceBusy || BUSY_SUB_CODES.has(sub)) {
      return new IsapiError('busy', { ...fields, retryAfterMs: BUSY_RETRY_AFTER_MS });
    }
    if (ALREADY_EXISTS_SUB_CODES.has(sub)) return new IsapiError('alreadyExists', fields);
    if (sub === 'employeeNoNotExist') return new IsapiError('notFound', fields);
    if (sub === 'notSupport') return new IsapiError('notSupported', fields);
    if (sub === 'methodNotAllowed' || httpStatus === 405) return new IsapiError('methodNotAllowed', fields);
    if (sub === 'urlDownloadFail') return new IsapiError('urlDownloadFail', fields);
    if (CAPACITY_SUB_CODES.has(sub)) return new IsapiError('capacity', fields);
    if (FACE_SUB_CODES.has(sub)) return new IsapiError('faceRejected', fields);
    if (sub === 'badAuthorization') return new IsapiAuthError(fields);
    if (status.statusCode === IsapiStatusCode.invalidFormat) return new IsapiError('badFormat', fields);
    if (status.statusCode === IsapiStatusCode.invalidContent) {
      if (answer.carriesFace && sub === 'badParameters' && IMAGE_FIELD.test(status.errorMsg ?? '')) {
        return new IsapiError('faceRejected', fields);
      }
      return new IsapiError('invalidContent', fields);
    }
    return new IsapiError('permanent', fields);
  }

  if (httpStatus === 401) return new IsapiAuthError(fields);
  if (httpStatus === 405) return new IsapiError('methodNotAllowed', fields);
  // Models without a feature answer 404 for its URL (§3 "Endpoint unsupported on a model/firmware").
  if (httpStatus === 404) return new IsapiError('notSupported', fields);
  if (httpStatus === 503) return new IsapiError('busy', { ...fields, retryAfterMs: BUSY_RETRY_AFTER_MS });
  if (httpStatus === 408 || httpStatus >= 500) return new IsapiError('transient', fields);
  return new IsapiError('permanent', fields);
}

/** Failures below HTTP: no answer at all. */
export function classifyTransportError(err: unknown, path: string, timedOut: boolean): IsapiError {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const name = err instanceof Error ? err.name : '';
  if (timedOut || name === 'TimeoutError' || (code !== undefined && TIMEOUT_ERROR_CODES.has(code))) {
    return new IsapiError('transient', { path, transport: 'timeout', message, cause: err });
  }
  // An untrusted certificate stays untrusted on retry; it needs `ca` or `insecureTls` (§2.1).
  if (code !== undefined && TLS_ERROR_CODES.has(code)) {
    return new IsapiError('permanent', { path, transport: 'tls', message: `${code}: ${message}`, cause: err });
  }
  const detail = code === undefined ? message : `${code}: ${message}`;
  return new IsapiError('transient', { path, transport: 'network', message: detail, cause: err });
}
