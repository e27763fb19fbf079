/**
 * Injected failures for the simulator. Rates are drawn from a seeded PRNG so a test run with the same seed
 * and the same call sequence sees the same failures.
 */

export interface RateLimitStorm {
  /** Answer this many requests with 429, then stop. */
  requests?: number;
  /** Stop after this long. With neither limit the storm lasts until cleared. */
  durationMs?: number;
  retryAfterSeconds: number;
}

export type InjectedFault =
  | { kind: 'timeout' }
  | { kind: 'serverError'; status: 500 | 503 }
  | { kind: 'rateLimited'; retryAfterSeconds: number }
  | { kind: 'busy' };

/** mulberry32: tiny, fast and good enough to spread failures; not for anything secret. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkRate(name: string, rate: number): number {
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw new RangeError(`${name} must be within 0..1, got ${rate}`);
  return rate;
}

export class SimulatorFaults {
  latencyMs = 0;
  private random: () => number;
  private timeoutRate = 0;
  private serverErrorRate = 0;
  private busyCodeRate = 0;
  private storm?: { remaining?: number; until?: number; retryAfterSeconds: number };

  constructor(private readonly seed: number) {
    this.random = mulberry32(seed);
  }

  setLatencyMs(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be >= 0, got ${ms}`);
    this.latencyMs = ms;
  }

  setTimeoutRate(rate: number): void {
    this.timeoutRate = checkRate('timeout rate', rate);
  }

  setServerErrorRate(rate: number): void {
    this.serverErrorRate = checkRate('server error rate', rate);
  }

  setBusyCodeRate(rate: number): void {
    this.busyCodeRate = checkRate('busy code rate', rate);
  }

  startRateLimitStorm(storm: RateLimitStorm, now = Date.now()): void {
    if (!Number.isFinite(storm.retryAfterSeconds) || storm.retryAfterSeconds < 0) {
      throw new RangeError('retryAfterSeconds must be >= 0');
    }
    this.storm = {
      remaining: storm.requests,
      until: storm.durationMs === undefined ? undefined : now + storm.durationMs,
      retryAfterSeconds: storm.retryAfterSeconds,
    };
  }

  clear(): void {
    this.latencyMs = 0;
    this.timeoutRate = 0;
    this.serverErrorRate = 0;
    this.busyCodeRate = 0;
    this.storm = undefined;
  }

  reset(): void {
    this.clear();
    this.random = mulberry32(this.seed);
  }

  /** Faults a load balancer or gateway produces before authentication (timeouts, 5xx). */
  beforeAuth(): InjectedFault | undefined {
    if (this.draw(this.timeoutRate)) return { kind: 'timeout' };
    if (this.draw(this.serverErrorRate)) return { kind: 'serverError', status: this.random() < 0.5 ? 503 : 500 };
    return undefined;
  }

  /** Faults that need a known caller (per-AppKey rate limit) or a reached service (busy, code 6). */
  afterAuth(now = Date.now()): InjectedFault | undefined {
    const storm = this.storm;
    if (storm !== undefined) {
      const expired = (storm.until !== undefined && now >= storm.until) || storm.remaining === 0;
      if (expired) {
        this.storm = undefined;
      } else {
        if (storm.remaining !== undefined) storm.remaining -= 1;
        return { kind: 'rateLimited', retryAfterSeconds: storm.retryAfterSeconds };
      }
    }
    if (this.draw(this.busyCodeRate)) return { kind: 'busy' };
    return undefined;
  }

  /** Rate 0 and 1 consume no randomness, so enabling one fault does not shift another's sequence. */
  private draw(rate: number): boolean {
    if (rate <= 0) return false;
    if (rate >= 1) return true;
    return this.random() < rate;
  }
}
