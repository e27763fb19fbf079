import type { AccessTimeWindow, AccessType, PropertySetting, UserSyncPayload, UserType } from '../protocol/messages';
import { USER_SYNC_CODE, isDeleteEntry } from '../protocol/messages';
import { xorHash } from '../protocol/xor-hash';

/**
 * What a simulated device holds and how it applies commands, written from the seed (not from the gateway
 * client): people (§1), opening hours (§10), properties (§14) and its access records (§7, §8). No I/O here.
 */

export interface DeviceUser {
  userId: number;
  userType: UserType;
  name: string;
  empno?: string;
  dept?: string;
  fa: string[];
  fp: string[];
  pass?: string;
  card?: string;
  /** Unix seconds; 0 = never (§1). */
  expireTime: number;
  admin: boolean;
}

export interface AccessRecord {
  userId: number;
  userType: UserType;
  accessType: AccessType;
  /** Unix seconds. */
  accessTime: number;
}

export type UserSyncOutcome =
  | { code: typeof USER_SYNC_CODE.ok; syncSize: number }
  | { code: typeof USER_SYNC_CODE.capacityFull }
  | { code: typeof USER_SYNC_CODE.busy };

export type AccessRefusal = 'unknownUser' | 'expired' | 'outsideOpeningHours';

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Whether `at` (device local time) falls in a window (§10). choice: both ends are inclusive at minute
 * resolution ("08:00"–"21:00" admits 21:00:59), and a window whose end is before its begin runs past midnight,
 * its `day` naming the day it starts. The seed says neither.
 */
export function inWindow(window: AccessTimeWindow, at: Date): boolean {
  const day = at.getDay();
  const minute = at.getHours() * 60 + at.getMinutes();
  const begin = minutesOf(window.time_begin);
  const end = minutesOf(window.time_end);
  if (begin <= end) return window.day.includes(day) && minute >= begin && minute <= end;
  const yesterday = (day + 6) % 7;
  return (window.day.includes(day) && minute >= begin) || (window.day.includes(yesterday) && minute <= end);
}

export class DeviceState {
  readonly users = new Map<number, DeviceUser>();
  /** `undefined` until the first access_time_config: a factory-fresh device restricts nobody (choice). */
  openingHours: AccessTimeWindow[] | undefined;
  readonly properties = new Map<string, { value: string; extValue?: string }>();
  /** Every record ever made, for checkin_upload (§8). */
  readonly accessLog: AccessRecord[] = [];
  /** Last total_count seen at the start of a sync task (§1), for inspection. */
  lastTotalCount: number | undefined;

  constructor(public userCapacity: number) {}

  hash(): string {
    return xorHash(this.users.keys());
  }

  /**
   * Applies a user_sync push (§1). Entries are applied in push order until the device is full; a delete or an
   * update of a held user never needs room. choice: code 1 (capacity full) when not even the first entry fit,
   * otherwise code 0 with the applied count — the seed's "sync_size may be fewer than pushed".
   */
  applyUserSync(payload: UserSyncPayload): UserSyncOutcome {
    if (payload.reset) this.users.clear();
    if (payload.total_count !== undefined) this.lastTotalCount = payload.total_count;
    let applied = 0;
    for (const entry of payload.users) {
      if (isDeleteEntry(entry)) {
        this.users.delete(entry.user_id);
      } else {
        if (!this.users.has(entry.user_id) && this.users.size >= this.userCapacity) break;
        this.users.set(entry.user_id, {
          userId: entry.user_id,
          userType: entry.user_type,
          name: entry.name,
          empno: entry.empno,
          dept: entry.dept,
          // seed example `["指纹特征值",""]`: an empty string is no feature.
          fa: (entry.fa ?? []).filter((f) => f !== ''),
          fp: (entry.fp ?? []).filter((f) => f !== ''),
          pass: entry.pass === '' ? undefined : entry.pass,
          card: entry.card === '' ? undefined : entry.card,
          expireTime: entry.expire_time ?? 0,
          admin: entry.admin === true,
        });
      }
      applied += 1;
    }
    if (applied === 0 && payload.users.length > 0) return { code: USER_SYNC_CODE.capacityFull };
    return { code: USER_SYNC_CODE.ok, syncSize: applied };
  }

  setOpeningHours(times: AccessTimeWindow[]): void {
    this.openingHours = times.map((t) => ({ ...t, day: [...t.day] }));
  }

  applyProperties(settings: PropertySetting[]): void {
    for (const s of settings) this.properties.set(s.property, { value: s.value, extValue: s.ext_value });
  }

  /** §10: outside all windows non-admins are refused; any matching window admits. */
  withinOpeningHours(at: Date): boolean {
    if (this.openingHours === undefined) return true;
    return this.openingHours.some((w) => inWindow(w, at));
  }

  /** Decides like the door would (§1 expire_time, §10 hours) and records the access when it opens. */
  attemptAccess(userId: number, accessType: AccessType, at: Date): AccessRecord | AccessRefusal {
    const user = this.users.get(userId);
    if (user === undefined) return 'unknownUser';
    const seconds = Math.floor(at.getTime() / 1000);
    if (user.expireTime > 0 && seconds > user.expireTime) return 'expired';
    if (!user.admin && !this.withinOpeningHours(at)) return 'outsideOpeningHours';
    return this.record({ userId, userType: user.userType, accessType, accessTime: seconds });
  }

  record(record: AccessRecord): AccessRecord {
    this.accessLog.push(record);
    return record;
  }

  /** Records of the last `days` days including today, local time (§8: days 2 on 27 Aug = 26–27 Aug). */
  recordsOfLastDays(days: number, now: Date): AccessRecord[] {
    const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (days - 1));
    const from = Math.floor(start.getTime() / 1000);
    return this.accessLog.filter((r) => r.accessTime >= from);
  }
}
