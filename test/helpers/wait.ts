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
