/**
 * Times as terminals accept them. AcsEventCond wants `YYYY-MM-DDTHH:mm:ss±HH:MM` — no milliseconds, an explicit
 * offset: a DS-K1T320MFWX answers `badJsonContent` / errorMsg `startTime` to `2026-04-25T04:20:09.812Z`
 * (§2.7). UserInfo `Valid` times with `timeType` local carry no offset at all (§2.4).
 */

export const ISAPI_OFFSET_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

const pad = (n: number, width = 2) => String(Math.trunc(n)).padStart(width, '0');

function shifted(date: Date, offsetMinutes: number): Date {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid date');
  return new Date(date.getTime() + offsetMinutes * 60_000);
}

/** Wall-clock fields of `date` at UTC+`offsetMinutes`, without offset: `2026-06-03T00:00:00`. */
export function toIsapiLocalTime(date: Date, offsetMinutes: number): string {
  const t = shifted(date, offsetMinutes);
  return (
    `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}` +
    `T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`
  );
}

/** `2026-06-03T00:00:00-06:00` for the terminal's UTC offset in minutes (-360 there); milliseconds dropped. */
export function toIsapiTime(date: Date, offsetMinutes: number): string {
  if (!Number.isInteger(offsetMinutes) || Math.abs(offsetMinutes) > 14 * 60) {
    throw new RangeError(`bad UTC offset ${offsetMinutes} min`);
  }
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${toIsapiLocalTime(date, offsetMinutes)}${sign}${pad(abs / 60)}:${pad(abs % 60)}`;
}
