/**
 * Task queues, one per target family, so each family's work has its own workers and concurrency limits: a slow
 * terminal or a burst of image work cannot starve HikCentral's paced sync. Deterministic: names only.
 */
export const FAMILIES = ['hikcentral', 'terminals', 'devices', 'photos'] as const;
export type Family = (typeof FAMILIES)[number];

export type TaskQueues = Readonly<Record<Family, string>>;

/** `<prefix>-<family>`; the default prefix `gatesync` keeps `gatesync-hikcentral`, the queue of earlier versions. */
export function taskQueues(prefix: string): TaskQueues {
  return Object.fromEntries(FAMILIES.map((f) => [f, `${prefix}-${f}`])) as Record<Family, string>;
}

/** Every family on one queue: one worker serving everything (a small deployment, or one test's worker). */
export function singleTaskQueue(name: string): TaskQueues {
  return Object.fromEntries(FAMILIES.map((f) => [f, name])) as Record<Family, string>;
}
