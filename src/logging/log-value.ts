/**
 * The limits every logged value is held to: no line may carry query parameters, request bodies or binary data
 * (a 285 KB line with a photo in hex is what an unguarded driver error produced).
 */
export const MAX_LOGGED_STRING = 500;
const MAX_LOGGED_ITEMS = 50;
const MAX_DEPTH = 5;

/** Fields that by name hold SQL, bound values, bodies or credentials; dropped wherever they appear. */
const WITHHELD_KEYS = new Set([
  'sql',
  'sqlMessage',
  'query',
  'params',
  'parameters',
  'bindings',
  'body',
  'rawBody',
  'headers',
  'cookie',
  'cookies',
]);

/**
 * More fields dropped from errors: pg's `detail`/`hint`/`where`/`internalQuery` quote row values and SQL,
 * MikroORM's validation errors carry the `entity`, HTTP client errors their `request`/`response`/`config`.
 */
const WITHHELD_ERROR_KEYS = new Set([
  ...WITHHELD_KEYS,
  'detail',
  'hint',
  'where',
  'internalQuery',
  'data',
  'values',
  'entity',
  'request',
  'response',
  'config',
]);

export function isWithheldKey(key: string, inError = false): boolean {
  return (inError ? WITHHELD_ERROR_KEYS : WITHHELD_KEYS).has(key);
}

/** SQL text, or bytes written as `\x…`/`E'\\x…'` hex: a message carrying them says nothing safe to log. */
const SQL_OR_HEX =
  /\b(?:insert\s+into|update\s+\S+\s+set|delete\s+from|select\s[\s\S]*?\sfrom|values\s*\()|\\x[0-9a-f]{8}/i;

export function capString(s: string): string {
  return s.length <= MAX_LOGGED_STRING
    ? s
    : `${s.slice(0, MAX_LOGGED_STRING)}… [${s.length - MAX_LOGGED_STRING} more chars]`;
}

/** A free-text message (an error's): withheld when it carries SQL or hex bytes, capped otherwise. */
export function safeMessage(s: string): string {
  return SQL_OR_HEX.test(s) ? '[message withheld: it carries SQL or binary data]' : capString(s);
}

export function isBinary(v: unknown): v is ArrayBuffer | ArrayBufferView {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

export function binaryPlaceholder(v: ArrayBuffer | ArrayBufferView): string {
  return `[binary, ${v.byteLength} bytes]`;
}

/**
 * A copy of a logged value that holds to the limits: strings capped, binary replaced by its size, withheld keys
 * dropped, errors through `onError`, depth and array length bounded. Class instances other than errors and
 * dates are replaced by their class name: their fields are unknown here.
 */
export function safeLogValue(v: unknown, onError: (e: Error, depth: number) => unknown, depth = 0): unknown {
  if (typeof v === 'string') return capString(v);
  if (v === null || typeof v !== 'object') return v;
  if (isBinary(v)) return binaryPlaceholder(v);
  if (v instanceof Error) return onError(v, depth);
  if (v instanceof Date) return v;
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(v)) {
    const items = v.slice(0, MAX_LOGGED_ITEMS).map((x) => safeLogValue(x, onError, depth + 1));
    return v.length > MAX_LOGGED_ITEMS ? [...items, `[${v.length - MAX_LOGGED_ITEMS} more items]`] : items;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return `[${(v as object).constructor?.name ?? 'object'}]`;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!isWithheldKey(k)) out[k] = safeLogValue(x, onError, depth + 1);
  }
  return out;
}
