import type { EntityManager } from '@mikro-orm/postgresql';
import type { PersonRef } from '../../../contracts';

export type PeopleSource = { kind: 'career'; career: string } | { kind: 'retry'; runId: string };

/**
 * "Pending" (seed 000's get-pending-sync-est): active people of the career who have a photo and are
 * not registered on HikCentral, or whose synced photo version differs from the current one.
 */
export const PENDING_CONDITION = `p.active and p.photo_version is not null
    and (s.id is null or s.hik_person_id is null or s.synced_photo_version is distinct from p.photo_version)`;

const PENDING_SQL = `
  from person p
  join career c on c.id = p.career_id
  left join hikcentral_person_state s on s.person_id = p.id
  where c.name = ? and ${PENDING_CONDITION}`;

const RETRY_SQL = `
  from sync_outcome o
  join person p on p.ci = o.ci
  where o.run_id = ? and o.outcome = 'failed'`;

function sourceSql(source: PeopleSource): { sql: string; param: string } {
  return source.kind === 'career' ? { sql: PENDING_SQL, param: source.career } : { sql: RETRY_SQL, param: source.runId };
}

export async function countPeople(em: EntityManager, source: PeopleSource): Promise<number> {
  const { sql, param } = sourceSql(source);
  const rows = await em.getConnection().execute<{ n: string }[]>(`select count(*) as n ${sql}`, [param]);
  return Number(rows[0]?.n ?? 0);
}

export interface PeopleRow {
  ci: string;
  given_name: string;
  family_name: string;
  second_family_name: string | null;
}

/** Keyset paging by ci, with the names: the seed's pending list reads these fields directly. */
export async function peopleRows(em: EntityManager, source: PeopleSource, afterCi: string | null, limit: number): Promise<PeopleRow[]> {
  const { sql, param } = sourceSql(source);
  return em
    .getConnection()
    .execute<PeopleRow[]>(`select p.ci, p.given_name, p.family_name, p.second_family_name ${sql} and p.ci > ? order by p.ci limit ?`, [
      param,
      afterCi ?? '',
      limit,
    ]);
}

/** The workflow's page: ci and display name only; it carries the cursor, never the list (bounded history). */
export async function peoplePage(em: EntityManager, source: PeopleSource, afterCi: string | null, limit: number): Promise<PersonRef[]> {
  return (await peopleRows(em, source, afterCi, limit)).map((r) => ({
    ci: r.ci,
    name: [r.given_name, r.family_name, r.second_family_name].filter((s) => s !== null && s !== '').join(' '),
  }));
}
