import { createHash, randomBytes } from 'node:crypto';
import { keyedRecord } from '../../../own-key';

/**
 * HTTP Digest access authentication as ISAPI terminals speak it: MD5, `qop="auth"` (RFC 2617 §3.2.2,
 * RFC 7616 §3.4; reference hikvision.md §2.1). Realm, nonce and opaque always come from the terminal's
 * `WWW-Authenticate` challenge — the realm differs per product (a hex id or the model name), so nothing here
 * is hard-coded. `auth-int`, SHA-256 and `userhash` are not used by the terminals and are not implemented.
 */

export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** Echoed back unchanged when present, even when empty (`opaque=""`, §2.1 example). */
  opaque?: string;
  /** Offered qop values, e.g. `['auth']`. */
  qop: string[];
  algorithm: string;
  /** `stale=TRUE`: the nonce expired but the credentials were right — retry with the new nonce (RFC 7616 §3.3). */
  stale: boolean;
  domain?: string;
}

export interface DigestResponseInput {
  username: string;
  password: string;
  realm: string;
  method: string;
  /** Request-target exactly as sent on the request line (path + query). */
  uri: string;
  nonce: string;
  /** 8 hex digits, e.g. `00000001`. */
  nc: string;
  cnonce: string;
  qop: 'auth';
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

/** request-digest for `qop=auth` with algorithm MD5 (RFC 2617 §3.2.2.1). */
export function computeDigestResponse(input: DigestResponseInput): string {
  const ha1 = md5(`${input.username}:${input.realm}:${input.password}`);
  const ha2 = md5(`${input.method}:${input.uri}`);
  return md5(`${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}

/**
 * Parses the auth-params of one header value (`Digest a="x", b=y`). Quoted strings may contain commas and
 * backslash escapes (RFC 7235 §2.1).
 */
export function parseAuthParams(value: string): Record<string, string> {
  const params = keyedRecord<string>();
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (const match of value.matchAll(re)) {
    const name = match[1]?.toLowerCase();
    if (name === undefined) continue;
    params[name] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '');
  }
  return params;
}

/** The Digest challenge among the `WWW-Authenticate` values, or `undefined` when the terminal offers none. */
export function parseDigestChallenge(header: string | string[] | undefined): DigestChallenge | undefined {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const digest = values.find((v) => /^\s*digest\s/i.test(v));
  if (digest === undefined) return undefined;
  const params = parseAuthParams(digest.replace(/^\s*digest\s+/i, ''));
  if (params.realm === undefined || params.nonce === undefined) return undefined;
  return {
    realm: params.realm,
    nonce: params.nonce,
    ...(params.opaque !== undefined && { opaque: params.opaque }),
    qop: (params.qop ?? '')
      .split(',')
      .map((q) => q.trim())
      .filter((q) => q !== ''),
    algorithm: params.algorithm ?? 'MD5',
    // Hikvision writes `stale="FALSE"` in capitals (§2.1 example).
    stale: (params.stale ?? '').toLowerCase() === 'true',
    ...(params.domain !== undefined && { domain: params.domain }),
  };
}

const quote = (v: string) => `"${v.replace(/(["\\])/g, '\\$1')}"`;

/**
 * One challenge and its nonce-count: every request under the same nonce sends the next `nc` (RFC 2617 §3.2.2),
 * so the terminal is not asked for a new challenge per request.
 */
export class DigestSession {
  private nonceCount = 0;

  constructor(
    readonly challenge: DigestChallenge,
    private readonly newCnonce: () => string = () => randomBytes(8).toString('hex'),
  ) {
    if (challenge.algorithm.toUpperCase() !== 'MD5') {
      throw new Error(`unsupported digest algorithm ${challenge.algorithm}`);
    }
    // Terminals always offer qop="auth" (§2.1); RFC 2069 challenges without qop are not supported.
    if (!challenge.qop.includes('auth')) {
      throw new Error(`unsupported digest qop "${challenge.qop.join(',')}"`);
    }
  }

  /** How many requests have been signed under this nonce. */
  get used(): number {
    return this.nonceCount;
  }

  /** The `Authorization` header for the next request; increments nc. */
  authorize(username: string, password: string, method: string, uri: string): string {
    this.nonceCount += 1;
    const nc = this.nonceCount.toString(16).padStart(8, '0');
    const cnonce = this.newCnonce();
    const { realm, nonce, opaque } = this.challenge;
    const response = computeDigestResponse({ username, password, realm, method, uri, nonce, nc, cnonce, qop: 'auth' });
    const parts = [
      `username=${quote(username)}`,
      `realm=${quote(realm)}`,
      `nonce=${quote(nonce)}`,
      `uri=${quote(uri)}`,
      'algorithm=MD5',
      `response=${quote(response)}`,
      'qop=auth',
      `nc=${nc}`,
      `cnonce=${quote(cnonce)}`,
    ];
    if (opaque !== undefined) parts.push(`opaque=${quote(opaque)}`);
    return `Digest ${parts.join(', ')}`;
  }
}
