/**
 * HCP wants ISO 8601 with an explicit offset and no milliseconds, e.g. `2020-05-26T15:00:00+08:00`
 * (reference hikvision.md §1.6); `Date.toISOString()`'s `Z` form is not what the guide shows.
 *
 * @param offsetMinutes east of UTC (+480 for +08:00); defaults to this process's local offset at `date`.
 */
export function toHcpTime(date: Date, offsetMinutes: number = -date.getTimezoneOffset()): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('toHcpTime: invalid date');
  const shifted = new Date(date.getTime() + offsetMinutes * 60_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}` +
    `T${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}:${pad(shifted.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** Accepts what `toHcpTime` produces (offset required, fraction tolerated); the simulator validates with it. */
export const HCP_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$/;
