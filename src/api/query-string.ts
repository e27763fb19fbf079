/**
 * The query string as the routes read it: `+` is a space, a repeated name gives an array (as Node's
 * `querystring`, Express's "simple" parser), but a value whose percent-encoding is not UTF-8 — how a lone
 * surrogate such as `%ED%A0%80` arrives — is reported instead of being replaced by U+FFFD, which would
 * silently change what the caller asked for.
 */
export interface ParsedQuery {
  values: Record<string, string | string[]>;
  /** Names whose name or value could not be decoded. */
  malformed: string[];
}

export function parseQueryString(raw: string): ParsedQuery {
  // A null prototype: `__proto__` or `constructor` in a query is just a name.
  const values: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  const malformed: string[] = [];
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const name = decode(rawName);
    const value = decode(rawValue);
    if (name === null || value === null) {
      malformed.push(name ?? rawName);
      continue;
    }
    const before = values[name];
    values[name] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
  }
  return { values, malformed };
}

function decode(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** The query string of a request URL (`/path?a=1` → `a=1`). */
export const rawQueryOf = (url: string): string => {
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
};
