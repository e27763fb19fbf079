import { Context } from '@temporalio/activity';

/** Heartbeats when called inside an activity; a no-op elsewhere (the same code runs in benchmarks and unit use). */
export function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // outside an activity
  }
}
