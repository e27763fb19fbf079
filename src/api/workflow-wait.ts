import type { WorkflowFailedError } from '@temporalio/client';
import { HttpError } from './http-errors';

/**
 * Waits for a workflow's result, at most `ms`; after that a 504 with `message` and the workflow id,
 * so the caller can follow it. The workflow itself keeps running.
 */
export async function waitForWorkflow<T>(result: Promise<T>, ms: number, workflowId: string, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HttpError(504, message, { workflowId })), ms);
  });
  try {
    return await Promise.race([result, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The words of what made a workflow fail: the activity's failure inside the workflow's. */
export function workflowFailureText(e: WorkflowFailedError): string {
  if (!(e.cause instanceof Error)) return e.message;
  return e.cause.cause instanceof Error ? e.cause.cause.message : e.cause.message;
}
