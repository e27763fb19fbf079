import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * Artemis gateway request signing, following Hikvision's Java SDK `SignUtil` (reference hikvision.md §1.3).
 * No vendor test vector exists (§4 q1); the self-computed V1–V4 in the reference are the test oracle.
 */

export type QueryParams = Record<string, string | number | boolean | null | undefined> | Iterable<[string, string]>;

/** Headers that the SDK signs by value, in this fixed order, and only when present (§1.3 step 2). */
const STANDARD_SIGNED_HEADERS = ['accept', 'content-md5', 'content-type', 'date'] as const;

/** Never part of the string-to-sign: they carry the result (§1.3 step 3). */
const UNSIGNED_CA_HEADERS = new Set(['x-ca-signature', 'x-ca-signature-headers']);

export interface StringToSignInput {
  method: string;
  /** Path as sent, including the `/artemis` prefix, without the query string. */
  path: string;
  query?: QueryParams;
  /** Any case; looked up case-insensitively. */
  headers: Record<string, string | undefined>;
  /**
   * The custom headers to sign, in this order. The gateway rebuilds from the received
   * `x-ca-signature-headers` list as given; a client leaves this out and gets every `x-ca-*` header sorted.
   */
  signedHeaderNames?: readonly string[];
  /**
   * Alibaba-style variant that writes an empty line for an absent Content-MD5/Date. Not the Hikvision rule
   * (§1.3 "Pitfall"); only the simulator's tolerance flag uses it.
   */
  emptyLineForAbsentHeaders?: boolean;
}

function lowerCaseHeaders(headers: Record<string, string | undefined>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out.set(name.toLowerCase(), value);
  }
  return out;
}

/** Java TreeMap order: UTF-16 code unit comparison, which is byte order for the ASCII names in use. */
const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Custom headers the SDK would sign: every `x-ca-*` except the two result headers, sorted (§1.3 step 3). */
export function defaultSignedHeaderNames(headers: Record<string, string | undefined>): string[] {
  return [...lowerCaseHeaders(headers).keys()]
    .filter((name) => name.startsWith('x-ca-') && !UNSIGNED_CA_HEADERS.has(name))
    .sort(byteOrder);
}

function queryEntries(query: QueryParams | undefined): Array<[string, string]> {
  if (query === undefined) return [];
  const entries: Array<[string, string]> = [];
  const source = Symbol.iterator in query ? query : Object.entries(query);
  for (const [key, value] of source as Iterable<[string, unknown]>) {
    if (value === undefined) continue;
    entries.push([key, value === null ? '' : String(value)]);
  }
  return entries;
}

/** `k=v` (or bare `k` for a blank value) sorted by key, joined by `&` (§1.3 step 4). */
function renderResource(path: string, query: QueryParams | undefined): string {
  // The SDK merges params into a map, so a repeated key keeps its last value.
  const merged = new Map(queryEntries(query));
  if (merged.size === 0) return path;
  const rendered = [...merged.keys()].sort(byteOrder).map((key) => {
    const value = merged.get(key) ?? '';
    return value.trim() === '' ? key : `${key}=${value}`;
  });
  return `${path}?${rendered.join('&')}`;
}

export function buildStringToSign(input: StringToSignInput): string {
  const headers = lowerCaseHeaders(input.headers);
  let out = `${input.method.toUpperCase()}\n`;
  for (const name of STANDARD_SIGNED_HEADERS) {
    const value = headers.get(name);
    if (value !== undefined) out += `${value}\n`;
    else if (input.emptyLineForAbsentHeaders) out += '\n';
  }
  const customNames = input.signedHeaderNames ?? defaultSignedHeaderNames(input.headers);
  for (const rawName of customNames) {
    const name = rawName.trim().toLowerCase();
    if (name === '') continue;
    out += `${name}:${headers.get(name) ?? ''}\n`;
  }
  return out + renderResource(input.path, input.query);
}

/** Base64(HMAC-SHA256(key = AppSecret, msg = stringToSign)), both UTF-8 (§1.3 step 5). */
export function sign(secret: string, stringToSign: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(stringToSign, 'utf8').digest('base64');
}

/** Constant-time comparison of two base64 signatures (the simulator's verifier). */
export function signaturesEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface SignRequestInput {
  method: string;
  path: string;
  query?: QueryParams;
  /** Headers that will be sent (Accept, Content-Type, …); included in the result. */
  headers: Record<string, string>;
  appKey: string;
  appSecret: string;
  nonce?: string;
  /** Epoch milliseconds (§1.2: the SDK sends ms, not seconds). */
  timestamp?: number;
}

/** The full header set to send: the given headers plus the signed `x-ca-*` set, like the SDK produces. */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    // The SDK uses lower-case custom header names; keeping one spelling avoids signing a stale duplicate.
    headers[name.toLowerCase().startsWith('x-ca-') ? name.toLowerCase() : name] = value;
  }
  headers['x-ca-key'] = input.appKey;
  headers['x-ca-nonce'] = input.nonce ?? randomUUID();
  headers['x-ca-timestamp'] = String(input.timestamp ?? Date.now());
  delete headers['x-ca-signature'];
  delete headers['x-ca-signature-headers'];

  const signedHeaderNames = defaultSignedHeaderNames(headers);
  const stringToSign = buildStringToSign({
    method: input.method,
    path: input.path,
    query: input.query,
    headers,
    signedHeaderNames,
  });
  headers['x-ca-signature-headers'] = signedHeaderNames.join(',');
  headers['x-ca-signature'] = sign(input.appSecret, stringToSign);
  return headers;
}
