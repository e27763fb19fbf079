export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** A probe that throws is tried again (the last error is reported on timeout) instead of failing at once. */
  retryErrors?: boolean;
  /** What to report on timeout, e.g. the state last seen. */
  seen?: () => unknown;
}

/**
 * Polls `probe` until it returns something other than undefined, null or false, and returns that; fails after
 * `timeoutMs` saying what it waited for. The one polling loop of the tests; the harnesses' `waitFor` and
 * `eventually` are this with their own defaults.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, what: string, o: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 50, retryErrors = false } = o;
  const until = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (e) {
      if (!retryErrors) throw e;
      lastError = e;
    }
    if (Date.now() > until) {
      const because = lastError !== undefined ? `: ${String(lastError)}` : '';
      const seen = o.seen !== undefined ? `; last seen ${JSON.stringify(await o.seen())}` : '';
      throw new Error(`timed out waiting for ${what}${because}${seen}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Waits until `count()` has not changed for longer than `quietMs` and returns it: for "it has stopped", e.g. resends
 * after an ack (pass more than the resend period) or polling after a cancel. Fails if it keeps changing for
 * `timeoutMs`.
 */
export async function settled(count: () => number, quietMs: number, timeoutMs = 5000, intervalMs = 10): Promise<number> {
  const until = Date.now() + timeoutMs;
  let last = count();
  let since = Date.now();
  while (Date.now() - since <= quietMs) {
    if (Date.now() > until) throw new Error(`count still changing after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
    if (count() !== last) {
      last = count();
      since = Date.now();
    }
  }
  return last;
}
