import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

export interface FailureInfo {
  type: string;
  code: string;
  message: string;
  retryAfterMs: number | null;
}

/** Reads the classified failure an activity raised (its type and HikCentral code/message details). */
export function failureInfo(err: unknown): FailureInfo {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const d = (cause.details?.[0] ?? {}) as { code?: string; message?: string; retryAfterMs?: number | null };
    return {
      type: cause.type ?? 'Error',
      code: d.code ?? cause.type ?? 'error',
      message: d.message ?? cause.message,
      retryAfterMs: d.retryAfterMs ?? null,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { type: 'Error', code: 'error', message, retryAfterMs: null };
}
