/**
 * The embedded PostgreSQL server's own log lines, for gatesync's debug log. Its error reports quote what the
 * statement carried (`DETAIL:  Key (ci)=(…) already exists`, `invalid input syntax for type integer: "…"`,
 * `STATEMENT:  insert …`): those lines keep their severity and lose their text.
 */
const QUOTING_SEVERITIES = /^(.*?\b(?:ERROR|FATAL|PANIC|DETAIL|STATEMENT|CONTEXT|QUERY|HINT|LOCATION):)\s.*$/s;

export function postgresLogLine(line: string): string {
  const m = QUOTING_SEVERITIES.exec(line);
  return m?.[1] === undefined ? line : `${m[1]} [withheld: may quote the statement's values]`;
}
