/**
 * Characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection"): `=`, `+`, `-`, `@`, and a
 * leading tab or carriage return, which Excel and LibreOffice skip before looking at the next character.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell: a cell that would start a formula gets a leading `'` (shown as text, not evaluated), then RFC 4180
 * quoting. Every CSV gatesync writes goes through here, since file names and reasons come from uploads.
 */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV record (without its CRLF). */
export function csvRecord(values: string[]): string {
  return values.map(csvCell).join(',');
}
