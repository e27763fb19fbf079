import { driverErrorFacts } from './driver-errors';
import { MAX_LOGGED_STRING, binaryPlaceholder, isBinary, isWithheldKey, safeLogValue, safeMessage } from './log-value';

const MAX_LOGGED_STACK = 2000;
const MAX_CAUSE_DEPTH = 4;

/**
 * pino's `err` serializer for every gatesync logger. A database error keeps only its name, SQLSTATE, constraint,
 * table and column, with a message rebuilt from the code (src/db/driver-errors.ts says why its own text is
 * unsafe). Any other error keeps its name, a message without SQL or hex, its stack frames, its own fields minus
 * those that hold SQL, values or bodies, and its causes; strings are capped and bytes replaced by their size.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (typeof err === 'string') return safeMessage(err);
  if (isBinary(err)) return binaryPlaceholder(err);
  if (!(err instanceof Error)) return safeLogValue(err, serializeError, depth);
  const facts = driverErrorFacts(err);
  if (facts !== null) {
    const { name, keyColumns: _columns, ...safe } = facts;
    return { type: name, ...safe, stack: stackFrames(err, `${facts.name}: ${facts.message}`) };
  }
  const message = safeMessage(err.message);
  const out: Record<string, unknown> = { type: err.name, message, stack: stackFrames(err, `${err.name}: ${message}`) };
  for (const [k, v] of Object.entries(err)) {
    if (k === 'message' || k === 'stack' || k === 'cause' || isWithheldKey(k, true)) continue;
    out[k] = typeof v === 'string' ? safeMessage(v) : safeLogValue(v, serializeError, depth + 1);
  }
  if (depth >= MAX_CAUSE_DEPTH) return out;
  if (err.cause !== undefined) out.cause = serializeError(err.cause, depth + 1);
  if (err instanceof AggregateError)
    out.errors = err.errors.slice(0, 10).map((e: unknown) => serializeError(e, depth + 1));
  return out;
}

/** The stack's frames under a safe first line: V8 starts a stack with the (unsafe) message, and MikroORM appends the driver's. */
export function stackFrames(err: Error, head: string): string | undefined {
  if (typeof err.stack !== 'string') return undefined;
  const frames = err.stack
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .map((l) => l.slice(0, MAX_LOGGED_STRING));
  const stack = [head, ...frames].join('\n');
  return stack.length <= MAX_LOGGED_STACK ? stack : `${stack.slice(0, MAX_LOGGED_STACK)}…`;
}
