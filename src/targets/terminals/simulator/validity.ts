import { instantOfLocalTime } from '../protocol/isapi-time';

/**
 * The terminal's own decision whether a user may pass at an instant, by their `Valid` window (reference §2.4):
 * `enable: false` refuses; `beginTime`/`endTime` without offset are the terminal's wall clock when `timeType` is local
 * (the default) and UTC when it is `UTC`. [sim] The reference gives the fields, not how a device evaluates them;
 * this is their plain reading, so a test can ask "may this person pass now" in the terminal's own terms.
 */

type Json = Record<string, unknown>;

export type AccessReason = 'allowed' | 'unknownUser' | 'disabled' | 'notYetValid' | 'expired';

export interface AccessDecision {
  allowed: boolean;
  reason: AccessReason;
  /** The window as the terminal reads it, as instants (ISO, UTC); null where a bound is absent. */
  validFrom: string | null;
  validUntil: string | null;
}

export function accessDecision(user: Json | undefined, at: Date, utcOffsetMinutes: number): AccessDecision {
  if (user === undefined) return { allowed: false, reason: 'unknownUser', validFrom: null, validUntil: null };
  const valid = typeof user.Valid === 'object' && user.Valid !== null ? (user.Valid as Json) : undefined;
  const offset = String(valid?.timeType ?? 'local').toLowerCase() === 'utc' ? 0 : utcOffsetMinutes;
  const bound = (field: string) => {
    const text = valid?.[field];
    return typeof text === 'string' ? instantOfLocalTime(text, offset) : null;
  };
  const from = bound('beginTime');
  const until = bound('endTime');
  const window = { validFrom: from?.toISOString() ?? null, validUntil: until?.toISOString() ?? null };
  if (valid !== undefined && valid.enable === false) return { allowed: false, reason: 'disabled', ...window };
  if (from !== null && at < from) return { allowed: false, reason: 'notYetValid', ...window };
  if (until !== null && at > until) return { allowed: false, reason: 'expired', ...window };
  return { allowed: true, reason: 'allowed', ...window };
}
