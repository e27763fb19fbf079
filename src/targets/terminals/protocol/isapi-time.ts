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

/** UTC offsets run from −12:00 to +14:00; anything beyond is not a zone. */
const MAX_OFFSET_MINUTES = 14 * 60;
/** `minutes` when it is a zone's offset (with −0 as 0), else null. */
const inZoneRange = (minutes: number): number | null => (Math.abs(minutes) <= MAX_OFFSET_MINUTES ? minutes + 0 : null);

/**
 * The UTC offset, in minutes, of a time written with one: `2026-12-02T01:02:03-05:00` → −300, `…Z` → 0. `null`
 * when the text carries none (a `Valid` time, §2.4) or is not a time.
 */
export function offsetOfIsapiTime(text: string): number | null {
  const m = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(Z|([+-])(\d{2}):?(\d{2}))$/.exec(text.trim());
  if (m === null) return null;
  if (m[1] === 'Z') return 0;
  const minutes = Number(m[3]) * 60 + Number(m[4]);
  return inZoneRange(m[2] === '-' ? -minutes : minutes);
}

/**
 * The UTC offset of `/ISAPI/System/time`'s `timeZone`, which is POSIX-style: its sign is the inverse of the
 * offset's — `CST+5:00:00` is UTC−5, `CST-9:00:00` UTC+9. Only the standard-time part is read; a daylight-saving
 * rule after it (`…CDT,M3.2.0,M11.1.0`) is not, which is why `localTime`'s own offset is preferred.
 */
export function offsetOfPosixZone(zone: string): number | null {
  const m = /^\s*(?:[A-Za-z]{3,}|<[^>]+>)([+-]?)(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?/.exec(zone);
  if (m === null) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return inZoneRange(m[1] === '-' ? minutes : -minutes);
}

/** The POSIX-style `timeZone` a terminal at UTC+`offsetMinutes` reports (sign inverted, see offsetOfPosixZone). */
export function posixZoneOf(offsetMinutes: number): string {
  const sign = offsetMinutes > 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `CST${sign}${Math.trunc(abs / 60)}:${pad(abs % 60)}:00`;
}

/** The calendar day (`YYYY-MM-DD`) at UTC+`offsetMinutes` when `date` happens. */
export function localDayOf(date: Date, offsetMinutes: number): string {
  return toIsapiLocalTime(date, offsetMinutes).slice(0, 10);
}

/** `YYYY-MM-DD` plus `days` calendar days. */
export function addDays(day: string, days: number): string {
  const t = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(t.getTime())) throw new RangeError(`invalid day ${day}`);
  return new Date(t.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/** The instant a wall-clock time without offset (`2026-06-03T00:00:00`, §2.4) names at UTC+`offsetMinutes`. */
export function instantOfLocalTime(local: string, offsetMinutes: number): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(local)) return null;
  const asUtc = new Date(`${local}Z`);
  return Number.isNaN(asUtc.getTime()) ? null : new Date(asUtc.getTime() - offsetMinutes * 60_000);
}
