import { z } from 'zod';

/**
 * The characters a string from a caller may hold: those of XML 1.0 (tab, line feed, carriage return, U+0020
 * onwards), without lone surrogates and the noncharacters U+FFFE/U+FFFF. Names end up in ISAPI XML bodies
 * (seed 002), in HikCentral JSON (seed 001) and in PostgreSQL text, which refuses U+0000 outright and cannot
 * hold a lone surrogate as UTF-8: anything outside this set would be refused there, or stored silently altered.
 */
const UNSAFE_CHAR =
  // eslint-disable-next-line no-control-regex -- control characters are what it finds
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const codePoint = (c: string): string => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `s` cannot be taken as text, or null when it can. */
export function textProblem(s: string): string | null {
  const bad = UNSAFE_CHAR.exec(s)?.[0];
  if (bad === undefined) return null;
  if (bad === '\u0000') return 'must not contain U+0000 (NUL)';
  if (bad >= '\uD800' && bad <= '\uDFFF')
    return `must be valid Unicode: a lone surrogate ${codePoint(bad)} cannot be stored`;
  return `must not contain the control character ${codePoint(bad)}`;
}

type Path = Array<string | number>;

/** Deeper than any request of the API; what is deeper is refused before a walk could exhaust the stack. */
const MAX_DEPTH = 32;

function walk(value: unknown, path: Path, report: (path: Path, message: string) => void): void {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem !== null) report(path, problem);
    return;
  }
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return;
  if (path.length >= MAX_DEPTH) {
    report(path, `is nested more than ${MAX_DEPTH} levels deep`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, [...path, i], report));
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    const keyProblem = textProblem(k);
    if (keyProblem !== null) report([...path, k], `field name ${keyProblem}`);
    else walk(v, [...path, k], report);
  }
}

/**
 * The one string refinement of the API: every string and every field name in a request's body, path and query,
 * nested or not, is checked with `textProblem`. `validate` puts it in front of every route's schemas, so a
 * route gets it without asking; the issue names the field.
 */
export function refuseUnsafeText(value: unknown, ctx: z.RefinementCtx): void {
  walk(value, [], (path, message) => ctx.addIssue({ code: 'custom', path, message, input: value }));
}

/** `schema`, behind the text refinement: a refused string never reaches the schema's own transforms. */
export function withSafeText<S extends z.ZodType>(schema: S): z.ZodPipe<z.ZodUnknown, S> {
  return z.unknown().superRefine(refuseUnsafeText).pipe(schema);
}

/** One line: no tab, carriage return or line feed (a name, a user name — a header or a list cell would break). */
export const oneLine = (s: z.ZodString): z.ZodString =>
  s.regex(/^[^\t\n\r]*$/, 'must be one line (no tab or line break)');

/** A name shown on doors, terminals and lists: trimmed, one line, 1 … `max` characters. */
export const oneLineText = (max: number): z.ZodString => oneLine(z.string().trim().min(1).max(max));
