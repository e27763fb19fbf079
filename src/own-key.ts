/**
 * A record keyed by outside input (a request field, a wire value, a file) is read through its own properties
 * only: `record['constructor']` on a plain object is Object's constructor, not "absent".
 */
export const ownValue = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/** A record to fill with outside keys: no prototype, so `__proto__` or `toString` is a key like any other. */
export const keyedRecord = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;
