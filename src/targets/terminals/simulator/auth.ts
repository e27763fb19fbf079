import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The terminal's side of HTTP Digest (reference §2.1): MD5, `qop="auth"`, nonce `<hex>:<ms-timestamp>`, and the
 * "illegal login lock" after repeated bad logins. Written from RFC 2617 §3.2.2 and the reference, independently
 * of the client's digest-auth.ts, so a shared mistake cannot make both sides agree on a wrong digest.
 */

export interface DigestGateOptions {
  realm: string;
  username: string;
  password: string;
  /** A nonce older than this is answered `stale=TRUE`; default 5 min. */
  nonceTtlMs: number;
  /** Consecutive bad logins that trigger the lockout (§2.1); default 5. */
  lockoutThreshold: number;
  /** "often ~30 min" (§2.1). */
  lockoutMs: number;
}

export type GateVerdict =
  | { ok: true }
  | { ok: false; reason: 'noCredentials' | 'stale' | 'badCredentials' | 'malformed' }
  | { ok: false; reason: 'locked'; unlockInSeconds: number };

export interface AuthStats {
  /** Bad logins since the last good one; the lockout counter. */
  consecutiveFailures: number;
  totalFailures: number;
  /** Requests answered with the lockout. */
  lockedAnswers: number;
  lockouts: number;
  lockedUntil: number | null;
  successes: number;
  challenges: number;
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

function params(header: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(header)) !== null) {
    out.set((m[1] ?? '').toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
  }
  return out;
}

function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), 'utf8');
  const y = Buffer.from(b.toLowerCase(), 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class DigestGate {
  /** Issued nonces → highest nc seen (RFC 7616 §3.4: a repeated nc is a replay). */
  private readonly nonces = new Map<string, { issuedAt: number; lastNc: number }>();
  readonly stats: AuthStats = {
    consecutiveFailures: 0,
    totalFailures: 0,
    lockedAnswers: 0,
    lockouts: 0,
    lockedUntil: null,
    successes: 0,
    challenges: 0,
  };

  constructor(
    private readonly opts: DigestGateOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** The `WWW-Authenticate` value, shaped like the NVR capture in §2.1. */
  challenge(stale = false): string {
    this.stats.challenges += 1;
    const at = this.now();
    const nonce = `${randomBytes(16).toString('hex')}:${at}`;
    this.nonces.set(nonce, { issuedAt: at, lastNc: 0 });
    if (this.nonces.size > 1000) {
      const oldest = this.nonces.keys().next().value;
      if (oldest !== undefined) this.nonces.delete(oldest);
    }
    return (
      `Digest realm="${this.opts.realm}", domain="::", qop="auth", nonce="${nonce}", opaque="", ` +
      `algorithm="MD5", stale="${stale ? 'TRUE' : 'FALSE'}"`
    );
  }

  verify(method: string, requestTarget: string, authorization: string | undefined): GateVerdict {
    const now = this.now();
    if (this.stats.lockedUntil !== null && now < this.stats.lockedUntil) {
      // While locked even the right password is refused (§2.1 "illegal login lock").
      this.stats.lockedAnswers += 1;
      return { ok: false, reason: 'locked', unlockInSeconds: Math.ceil((this.stats.lockedUntil - now) / 1000) };
    }
    if (this.stats.lockedUntil !== null) {
      this.stats.lockedUntil = null;
      this.stats.consecutiveFailures = 0;
    }
    if (authorization === undefined || !/^digest\s/i.test(authorization)) return { ok: false, reason: 'noCredentials' };

    const p = params(authorization.replace(/^digest\s+/i, ''));
    const username = p.get('username');
    const nonce = p.get('nonce');
    const uri = p.get('uri');
    const response = p.get('response');
    const nc = p.get('nc');
    const cnonce = p.get('cnonce');
    if (
      username === undefined ||
      nonce === undefined ||
      uri === undefined ||
      response === undefined ||
      nc === undefined ||
      cnonce === undefined ||
      p.get('qop') !== 'auth' ||
      !/^[0-9a-f]{8}$/i.test(nc) ||
      uri !== requestTarget ||
      p.get('realm') !== this.opts.realm
    ) {
      return this.failed('malformed');
    }

    const ha1 = md5(`${username}:${this.opts.realm}:${this.opts.password}`);
    const ha2 = md5(`${method}:${uri}`);
    const expected = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
    if (username !== this.opts.username || !equalHex(expected, response)) return this.failed('badCredentials');

    // Right credentials: an unknown, expired or replayed nonce only asks for a new challenge (stale=TRUE).
    const issued = this.nonces.get(nonce);
    const count = parseInt(nc, 16);
    if (issued === undefined || now - issued.issuedAt > this.opts.nonceTtlMs || count <= issued.lastNc) {
      return { ok: false, reason: 'stale' };
    }
    issued.lastNc = count;
    this.stats.consecutiveFailures = 0;
    this.stats.successes += 1;
    return { ok: true };
  }

  /** Lifts a lockout and forgets the bad-login streak. */
  unlock(): void {
    this.stats.lockedUntil = null;
    this.stats.consecutiveFailures = 0;
  }

  reset(): void {
    this.unlock();
    Object.assign(this.stats, { totalFailures: 0, lockedAnswers: 0, lockouts: 0, successes: 0, challenges: 0 });
  }

  /** Attempts left before the lockout, for the 401 body. */
  get remainingAttempts(): number {
    return Math.max(0, this.opts.lockoutThreshold - this.stats.consecutiveFailures);
  }

  private failed(reason: 'malformed' | 'badCredentials'): GateVerdict {
    this.stats.consecutiveFailures += 1;
    this.stats.totalFailures += 1;
    if (this.stats.consecutiveFailures >= this.opts.lockoutThreshold) {
      this.stats.lockedUntil = this.now() + this.opts.lockoutMs;
      this.stats.lockouts += 1;
    }
    return { ok: false, reason };
  }
}
