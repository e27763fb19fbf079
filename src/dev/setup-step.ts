/**
 * A set-up step that failed, with its name and the reason in words. `npm start`, `npm test`'s global
 * set-up and the benchmarks print it as "<step> failed: <reason>" instead of a bare exit code: a
 * newcomer on a fresh machine must be told which step broke and why (a missing binary, a directory the
 * database user cannot enter, a port in use).
 */
export class SetupStepError extends Error {
  constructor(
    readonly step: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${step} failed: ${reason}`, options);
    this.name = 'SetupStepError';
  }
}

/** Runs one named step; whatever it throws becomes a SetupStepError naming the step. */
export async function setupStep<T>(step: string, run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof SetupStepError) throw e;
    throw new SetupStepError(step, reasonOf(e), { cause: e });
  }
}

export function reasonOf(e: unknown): string {
  if (e instanceof Error) return e.message.length > 0 ? e.message : e.name;
  if (e === undefined || e === null) return 'no reason given (the step rejected without an error)';
  return String(e);
}
