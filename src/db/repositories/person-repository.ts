import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Career, HikCentralPersonState, Person, Photo, type PersonKind } from '../entities';
import type { InspectedPhoto } from '../../photos/photo-intake';
import type { PhotoChecks } from '../../photos/photo-rules';
import type { PhotoAssessment } from '../../photos/photo-assessment';
import { descriptorToBytes } from '../../photos/face-index';
import { PENDING_CONDITION } from './hikcentral/people-pages';

export interface NewPerson {
  ci: string;
  givenName: string;
  familyName: string;
  secondFamilyName?: string | null;
  career: string;
  kind: PersonKind;
  active?: boolean;
}

export interface PersonView {
  ci: string;
  givenName: string;
  familyName: string;
  secondFamilyName: string | null;
  career: string;
  kind: PersonKind;
  active: boolean;
  photo: {
    version: string;
    format: string;
    width: number;
    height: number;
    byteSize: number;
    /** False when a check failed: the photo is not pushed to any target until it is replaced or reviewed. */
    checksPassed: boolean;
    checks: PhotoChecks | null;
  } | null;
  hikcentral: {
    registered: boolean;
    personId: string | null;
    syncedPhotoVersion: string | null;
    pending: boolean;
    lastResult: string | null;
    lastCode: string | null;
    lastMessage: string | null;
    syncedAt: string | null;
  };
}

export class DuplicatePersonError extends Error {
  constructor(readonly ci: string) {
    super(`a person with ci ${ci} already exists`);
    this.name = 'DuplicatePersonError';
  }
}

/**
 * The career's id, inserting it when new. `do update` (a no-op) rather than `do nothing`, so the row comes back
 * even when a concurrent transaction inserted it first; a new career is undone with a person that could not be
 * stored, as both are written in one transaction.
 */
async function careerIdFor(em: EntityManager, name: string): Promise<string> {
  const [row] = await em.execute<{ id: string }[]>(
    `insert into career (id, created_at, updated_at, name) values (gen_random_uuid(), now(), now(), ?)
     on conflict (name) do update set name = excluded.name returning id`,
    [name],
  );
  if (row === undefined) throw new Error(`career ${name} was neither inserted nor found`);
  return row.id;
}

/**
 * One transaction: the career (when new) and the person, or neither. The unique ci decides between concurrent
 * requests — no count before the insert, which two requests could both pass.
 */
export async function createPerson(em: EntityManager, input: NewPerson): Promise<Person> {
  try {
    return await em.transactional(async (tx) => {
      const careerId = await careerIdFor(tx, input.career);
      const person = new Person({ ...input, career: tx.getReference(Career, careerId, { wrapped: true }) });
      if (input.active !== undefined) person.active = input.active;
      await tx.persistAndFlush(person);
      return person;
    });
  } catch (e) {
    if (
      e instanceof UniqueConstraintViolationException &&
      (e as { constraint?: string }).constraint === 'person_ci_unique'
    ) {
      throw new DuplicatePersonError(input.ci);
    }
    throw e;
  }
}

/**
 * Stores the photo with its assessment (once per content hash) and makes it the person's current
 * version. A version stored before keeps its checks (and any admin review): `assess` runs only for
 * a new version. Concurrent uploads of the same bytes all succeed: the insert yields to the row another
 * request stored first instead of finding-then-inserting, which raced.
 *
 * A new version is assessed and stored in one transaction holding the face-index lock: the duplicate search (in
 * `assess`) then sees every face committed before it, and its own face is committed before the next search of any
 * process begins. So two photos of one face for two people, arriving at once in two processes, cannot both pass.
 * Callers keep the CPU-heavy part (face detection) outside `assess`, so the lock is held for a search and an insert.
 */
export async function setPersonPhoto(
  em: EntityManager,
  person: Person,
  photo: InspectedPhoto,
  assess: (em: EntityManager) => Promise<PhotoAssessment>,
): Promise<Photo> {
  const known = await em.findOne(Photo, { person, version: photo.version });
  if (known !== null) {
    person.photoVersion = photo.version;
    await em.flush();
    return known;
  }
  await em.begin();
  try {
    await lockFaceIndex(em);
    const stored = await insertPhotoOnce(em, person, photo, await assess(em));
    person.photoVersion = photo.version;
    await em.commit();
    return stored;
  } catch (e) {
    await em.rollback();
    throw e;
  }
}

/** Whether this exact photo (by content hash) was stored for the person before: then it is not assessed again. */
export async function hasPhotoVersion(em: EntityManager, person: Person, version: string): Promise<boolean> {
  return (await em.count(Photo, { person, version })) > 0;
}

/** One key for the whole face index (apart from the per-terminal and leader keys); released with the transaction. */
async function lockFaceIndex(em: EntityManager): Promise<void> {
  await em.execute("select pg_advisory_xact_lock(hashtextextended('gatesync:face-index', 0))");
}

/**
 * Two uploads of the same bytes for one person may both find no stored version: the unique (person, version)
 * keeps the first, and the other takes that row instead of failing. The insert runs in its own (nested)
 * transaction, so the refused one leaves the caller's transaction usable.
 */
async function insertPhotoOnce(
  em: EntityManager,
  person: Person,
  photo: InspectedPhoto,
  assessment: PhotoAssessment,
): Promise<Photo> {
  try {
    return await em.transactional(async (tx) => {
      const row = new Photo({
        person: tx.getReference(Person, person.id, { wrapped: true }),
        ...photo,
        checks: assessment.checks,
        faceDescriptor: assessment.descriptor === null ? null : descriptorToBytes(assessment.descriptor),
      });
      await tx.persistAndFlush(row);
      return row;
    });
  } catch (e) {
    if (!(e instanceof UniqueConstraintViolationException)) throw e;
    return em.findOneOrFail(Photo, { person, version: photo.version });
  }
}

export async function currentPhotoBytes(
  em: EntityManager,
  ci: string,
): Promise<{ data: Buffer; format: string } | null> {
  const rows = await em
    .getConnection()
    .execute<{ data: Buffer; format: string }[]>(
      'select ph.data, ph.format from person p join photo ph on ph.person_id = p.id and ph.version = p.photo_version where p.ci = ?',
      [ci],
    );
  const r = rows[0];
  return r === undefined ? null : { data: r.data, format: r.format };
}

export async function personView(em: EntityManager, ci: string): Promise<PersonView | null> {
  const person = await em.findOne(Person, { ci }, { populate: ['career'] });
  if (person === null) return null;
  return (await viewsOf(em, [person]))[0] ?? null;
}

export async function listPersonViews(
  em: EntityManager,
  q: { career?: string; pending?: boolean; failing?: string; limit: number; offset: number },
): Promise<{ total: number; items: PersonView[] }> {
  const where: Record<string, unknown> = {};
  if (q.career !== undefined) where.career = { name: q.career };
  const idSets: string[][] = [];
  if (q.pending === true) idSets.push(await pendingPersonIds(em, q.career));
  if (q.failing !== undefined) idSets.push(await failingPersonIds(em, q.failing));
  if (idSets.length > 0) {
    where.id = {
      $in: idSets.reduce((a, b) => {
        const inB = new Set(b);
        return a.filter((id) => inB.has(id));
      }),
    };
  }
  const [people, total] = await em.findAndCount(Person, where, {
    populate: ['career'],
    orderBy: { ci: 'asc' },
    limit: q.limit,
    offset: q.offset,
  });
  return { total, items: await viewsOf(em, people) };
}

async function pendingPersonIds(em: EntityManager, career?: string): Promise<string[]> {
  const rows = await em.getConnection().execute<{ id: string }[]>(
    `select p.id from person p join career c on c.id = p.career_id
       left join hikcentral_person_state s on s.person_id = p.id
      where (?::text is null or c.name = ?) and ${PENDING_CONDITION}`,
    [career ?? null, career ?? null],
  );
  return rows.map((r) => r.id);
}

/** People whose current photo fails the named check (checks are stored as JSON with the photo). */
async function failingPersonIds(em: EntityManager, rule: string): Promise<string[]> {
  const rows = await em.getConnection().execute<{ id: string }[]>(
    `select p.id from person p join photo ph on ph.person_id = p.id and ph.version = p.photo_version
      where exists (select 1 from jsonb_array_elements(ph.checks -> 'rules') r where r ->> 'rule' = ? and r ->> 'passed' = 'false')`,
    [rule],
  );
  return rows.map((r) => r.id);
}

/** The person's current photo with its checks, or null. */
export async function currentPhoto(em: EntityManager, ci: string): Promise<Photo | null> {
  const person = await em.findOne(Person, { ci });
  if (person?.photoVersion === null || person?.photoVersion === undefined) return null;
  return em.findOne(Photo, { person, version: person.photoVersion });
}

async function viewsOf(em: EntityManager, people: Person[]): Promise<PersonView[]> {
  if (people.length === 0) return [];
  const states = await em.find(HikCentralPersonState, { person: { $in: people.map((p) => p.id) } });
  // Only each person's current photo, not every version they ever had.
  const current = people
    .filter((p) => p.photoVersion)
    .map((p) => ({ person: p.id, version: p.photoVersion as string }));
  const photos =
    current.length === 0
      ? []
      : await em.find(
          Photo,
          { $or: current },
          { fields: ['person', 'version', 'format', 'width', 'height', 'byteSize', 'checks', 'checksPassed'] },
        );
  const stateBy = new Map(states.map((s) => [s.person.id, s]));
  const photoBy = new Map(photos.map((ph) => [ph.person.id, ph]));
  return people.map((p) => {
    const s = stateBy.get(p.id);
    const ph = photoBy.get(p.id);
    const registered = s?.hikPersonId !== null && s?.hikPersonId !== undefined;
    return {
      ci: p.ci,
      givenName: p.givenName,
      familyName: p.familyName,
      secondFamilyName: p.secondFamilyName ?? null,
      career: p.career.getEntity().name,
      kind: p.kind,
      active: p.active,
      photo: ph
        ? {
            version: ph.version,
            format: ph.format,
            width: ph.width,
            height: ph.height,
            byteSize: ph.byteSize,
            checksPassed: ph.checksPassed,
            checks: ph.checks ?? null,
          }
        : null,
      hikcentral: {
        registered,
        personId: s?.hikPersonId ?? null,
        syncedPhotoVersion: s?.syncedPhotoVersion ?? null,
        pending:
          p.active &&
          p.photoVersion !== null &&
          p.photoVersion !== undefined &&
          (!registered || s?.syncedPhotoVersion !== p.photoVersion),
        lastResult: s?.lastResult ?? null,
        lastCode: s?.lastCode ?? null,
        lastMessage: s?.lastMessage ?? null,
        syncedAt: s?.syncedAt?.toISOString() ?? null,
      },
    };
  });
}
