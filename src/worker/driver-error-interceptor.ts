import { ApplicationFailure } from '@temporalio/common';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptorsFactory,
  Next,
} from '@temporalio/worker';
import { driverErrorFacts } from '../logging/driver-errors';
import { stackFrames } from '../logging/error-serializer';

/**
 * A database error thrown by an activity becomes its failure in the workflow's history, message and stack
 * included, and MikroORM's message embeds the SQL with its bound values (a photo in hex). STYLE §10: bytes and
 * secrets never enter history. So the failure is rebuilt from the error's value-free facts, keeping its type
 * (the exception's name) and retryability (retryable, as any plain error would be).
 */
export const driverErrorsWithoutValues: ActivityInterceptorsFactory = () => ({
  inbound: new DriverErrorsWithoutValues(),
});

class DriverErrorsWithoutValues implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (e) {
      throw withoutValues(e);
    }
  }
}

function withoutValues(e: unknown): unknown {
  if (e instanceof ApplicationFailure) {
    const cause = e.cause === undefined ? undefined : withoutValues(e.cause);
    if (cause === e.cause) return e;
    return ApplicationFailure.create({
      message: e.message,
      type: e.type ?? undefined,
      nonRetryable: e.nonRetryable ?? undefined,
      details: e.details ?? undefined,
      nextRetryDelay: e.nextRetryDelay ?? undefined,
      cause: cause as Error,
    });
  }
  const facts = driverErrorFacts(e);
  if (facts === null) return e;
  const message = `database error: ${facts.message}${facts.constraint === undefined ? '' : ` (${facts.constraint})`}`;
  const failure = ApplicationFailure.retryable(message, facts.name);
  const stack = stackFrames(e as Error, `ApplicationFailure: ${message}`);
  if (stack !== undefined) failure.stack = stack;
  return failure;
}
