import type { EntityManager } from '@mikro-orm/postgresql';
import type { UserInfo } from '../../../targets/terminals/protocol/types';
import type { IsapiClient } from '../../../targets/terminals/client/client';
import { IsapiError } from '../../../targets/terminals/client/errors';
import { addDays, localDayOf } from '../../../targets/terminals/protocol/isapi-time';

/** A person as the terminal should hold them: employeeNo = ci, name, validity window. */
export interface DesiredTerminalUser {
  ci: string;
  name: string;
  validity: string;
  user: UserInfo;
  photoVersion: string | null;
  /** The current photo passed gatesync's checks, so it may be pushed. */
  photoUsable: boolean;
}

/** Many terminals take at most 32 characters of name (reference §2.4 keeps it short; models differ). */
const NAME_MAX = 32;

/** How a person's validity window on a terminal is made: its length and the terminal's UTC offset (null: unknown). */
export interface ValidityRule {
  validityDays: number;
  utcOffsetMinutes: number | null;
}

/** Zones run from UTC−12 to UTC+14: a window made for both ends holds wherever the terminal is. */
const WESTMOST_OFFSET = -12 * 60;
const EASTMOST_OFFSET = 14 * 60;

/**
 * A person's validity window: from the start of the day they were registered to the end of the day
 * `validityDays` later, both as the terminal's wall clock — `Valid` times with `timeType` local carry no offset and
 * are read in the terminal's own zone (§2.4), which comes from /ISAPI/System/time. The start of the local day, not
 * the registration instant, so someone registered in the evening is valid at once and the window is fixed per
 * person (a sync tomorrow or a daylight-saving change finds nothing to change). With the zone unknown, the window
 * is widened to hold in every zone: it starts on the day it is at UTC−12 and ends on the day it is at UTC+14.
 */
export function validityWindow(registeredAt: Date, rule: ValidityRule): { beginTime: string; endTime: string } {
  const firstDay = localDayOf(registeredAt, rule.utcOffsetMinutes ?? WESTMOST_OFFSET);
  const lastDay = addDays(localDayOf(registeredAt, rule.utcOffsetMinutes ?? EASTMOST_OFFSET), rule.validityDays);
  return { beginTime: `${firstDay}T00:00:00`, endTime: `${lastDay}T23:59:59` };
}

/** The user a person should be on a terminal: employeeNo = ci, name, validity window (validityWindow). */
export function terminalUserOf(
  p: { ci: string; given_name: string; family_name: string; second_family_name: string | null; active: boolean; created_at: Date | string },
  rule: ValidityRule,
): { name: string; validity: string; user: UserInfo } {
  const name = [p.given_name, p.family_name, p.second_family_name].filter((s) => s !== null && s !== '').join(' ').slice(0, NAME_MAX).trim();
  const { beginTime, endTime } = validityWindow(new Date(p.created_at), rule);
  return {
    name,
    validity: `${p.active ? 'on' : 'off'} ${beginTime}/${endTime}`,
    user: {
      employeeNo: p.ci,
      name,
      userType: 'normal',
      Valid: { enable: p.active, beginTime, endTime, timeType: 'local' },
      doorRight: '1',
      RightPlan: [{ doorNo: 1, planTemplateNo: '1' }],
    },
  };
}

/** What a terminal's user looks like in the same terms, to compare with the wanted one. */
export function validityOf(u: UserInfo): string {
  const v = u.Valid;
  return v === undefined ? '' : `${v.enable ? 'on' : 'off'} ${v.beginTime}/${v.endTime}`;
}

export function sameUser(onTerminal: UserInfo, wanted: { name: string; validity: string }): boolean {
  return (onTerminal.name ?? '') === wanted.name && validityOf(onTerminal) === wanted.validity;
}

interface DesiredRow {
  ci: string;
  given_name: string;
  family_name: string;
  second_family_name: string | null;
  active: boolean;
  created_at: Date;
  photo_version: string | null;
  checks_passed: boolean | null;
}

/**
 * Everyone the terminal should hold: active people of its careers and people assigned to it
 * explicitly, in ci order; `cis` narrows it to some people.
 */
export async function desiredTerminalUsers(
  em: EntityManager,
  terminalId: string,
  rule: ValidityRule,
  cis?: string[],
): Promise<DesiredTerminalUser[]> {
  const rows = await em.getConnection().execute<DesiredRow[]>(
    `select p.ci, p.given_name, p.family_name, p.second_family_name, p.active, p.created_at, p.photo_version, ph.checks_passed
       from person p
       join career c on c.id = p.career_id
       left join photo ph on ph.person_id = p.id and ph.version = p.photo_version
      where p.active
        and (c.name in (select jsonb_array_elements_text(t.careers) from terminal t where t.id = ?)
             or exists (select 1 from terminal_assignment a where a.terminal_id = ? and a.person_id = p.id))
        and (?::jsonb is null or p.ci in (select jsonb_array_elements_text(?::jsonb)))
      order by p.ci`,
    // A JSON list: the query builder would spread a JS array into separate parameters.
    [terminalId, terminalId, cis === undefined ? null : JSON.stringify(cis), cis === undefined ? null : JSON.stringify(cis)],
  );
  return rows.map((r) => ({
    ci: r.ci,
    ...terminalUserOf(r, rule),
    photoVersion: r.photo_version,
    photoUsable: r.photo_version !== null && r.checks_passed === true,
  }));
}

/**
 * Upsert by employeeNo (reference §2.7): Record; on `employeeNoAlreadyExist` read the user and Modify
 * only if it differs, so a retried add never writes a user twice. `write` wraps the two writes (pacing).
 */
export async function upsertTerminalUser(
  client: IsapiClient,
  wanted: { name: string; validity: string; user: UserInfo },
  write: (call: () => Promise<void>) => Promise<void> = (call) => call(),
): Promise<{ action: 'added' | 'updated' | 'unchanged'; existing: UserInfo | null }> {
  try {
    await write(() => client.recordUser(wanted.user));
    return { action: 'added', existing: null };
  } catch (e) {
    if (!(e instanceof IsapiError) || e.kind !== 'alreadyExists') throw e;
  }
  const existing = await client.findUser(wanted.user.employeeNo);
  if (existing !== null && sameUser(existing, wanted)) return { action: 'unchanged', existing };
  await write(() => client.modifyUser(wanted.user));
  return { action: 'updated', existing };
}
