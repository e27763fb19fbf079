import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AcceptedFace } from './face-check';
import { PRIVATE_DIR_MODE, writePrivateFileSync } from '../../../security/private-files';
import type { OrgInfo, PersonInfo, PrivilegeGroup, PrivilegeGroupType } from '../protocol/types';
import { keyedRecord } from '../../../own-key';

/** What the simulator keeps of a stored face; the JPEG itself answers `picture_data`. */
export interface StoredFace {
  jpegBase64: string;
  width: number;
  height: number;
  format: 'jpeg' | 'png';
  bytes: number;
  sha256: string;
}

export interface SimulatedPerson extends PersonInfo {
  face?: Omit<StoredFace, 'jpegBase64'>;
}

export interface SimulatedPrivilegeGroup extends PrivilegeGroup {
  type?: PrivilegeGroupType;
}

export interface PersonCallCounts {
  lookup: number;
  add: number;
  update: number;
  faceUpdate: number;
  delete: number;
}

/** One API request as the gateway saw it; `code` is filled in when answered (absent for held requests). */
export interface SimulatorRequestRecord {
  /** Arrival time, epoch ms. */
  at: number;
  /** API path after `/artemis/api`. */
  path: string;
  personCode?: string;
  personId?: string;
  httpStatus?: number;
  /** Envelope code, or `http-<status>` for answers without one. */
  code?: string;
}

/** Enough for any test run without letting a long-running dev simulator grow without bound. */
const REQUEST_LOG_LIMIT = 10_000;

export interface SimulatorCounters {
  /** Per personCode: calls that were accepted and took effect (lookups count whether found or not). */
  byPersonCode: Record<string, PersonCallCounts>;
  /** Per API path (after `/artemis/api`): every request that reached the gateway, and those answered with success. */
  byPath: Record<string, { received: number; succeeded: number }>;
  faults: { timeouts: number; serverErrors: number; rateLimited: number; busy: number; unauthorized: number };
}

interface PersistedState {
  version: 1;
  nextPersonId: number;
  nextPicId: number;
  persons: Array<{ info: PersonInfo; face?: StoredFace }>;
  privilegeMembership: Record<string, string[]>;
}

const emptyCounters = (): SimulatorCounters => ({
  byPersonCode: keyedRecord(),
  byPath: keyedRecord(),
  faults: { timeouts: 0, serverErrors: 0, rateLimited: 0, busy: 0, unauthorized: 0 },
});

export class SimulatorState {
  /**
   * personCodes whose face the simulated platform refuses even though the picture meets the size and
   * format rules — as a real HCP does when its face algorithm finds no usable face (reference §4 q3).
   */
  readonly refusedFaces = new Set<string>();
  readonly orgs: Map<string, OrgInfo>;
  readonly privilegeGroups: Map<string, SimulatedPrivilegeGroup>;
  private persons = new Map<string, { info: PersonInfo; face?: StoredFace }>();
  private membership = new Map<string, Set<string>>();
  private nextPersonId = 1;
  private nextPicId = 1;
  applyRequests: unknown[] = [];
  counters = emptyCounters();
  requestLog: SimulatorRequestRecord[] = [];

  constructor(
    orgs: OrgInfo[],
    privilegeGroups: SimulatedPrivilegeGroup[],
    private readonly stateFile?: string,
  ) {
    this.orgs = new Map(orgs.map((o) => [o.orgIndexCode, o]));
    this.privilegeGroups = new Map(privilegeGroups.map((g) => [g.privilegeGroupId, g]));
    this.load();
  }

  byId(personId: string): { info: PersonInfo; face?: StoredFace } | undefined {
    return this.persons.get(personId);
  }

  byCode(personCode: string): { info: PersonInfo; face?: StoredFace } | undefined {
    for (const p of this.persons.values()) if (p.info.personCode === personCode) return p;
    return undefined;
  }

  /** personIds are auto-increment numeric strings, as HCP's "1", "1150" (§1.6). */
  add(info: Omit<PersonInfo, 'personId' | 'personPhoto'>, face: AcceptedFace | undefined): PersonInfo {
    const personId = String(this.nextPersonId++);
    const stored: { info: PersonInfo; face?: StoredFace } = {
      info: { ...info, personId, personPhoto: { picUri: '', picBigUri: '' } },
    };
    this.persons.set(personId, stored);
    if (face !== undefined) this.attachFace(stored, face);
    this.save();
    return stored.info;
  }

  update(personId: string, change: Partial<PersonInfo>): void {
    const stored = this.persons.get(personId);
    if (stored === undefined) return;
    stored.info = { ...stored.info, ...change, personId };
    stored.info.personName = `${stored.info.personGivenName} ${stored.info.personFamilyName}`;
    this.save();
  }

  setFace(personId: string, face: AcceptedFace): void {
    const stored = this.persons.get(personId);
    if (stored === undefined) return;
    this.attachFace(stored, face);
    this.save();
  }

  delete(personId: string): void {
    this.persons.delete(personId);
    for (const members of this.membership.values()) members.delete(personId);
    this.save();
  }

  addMembers(privilegeGroupId: string, personIds: string[]): void {
    const members = this.membership.get(privilegeGroupId) ?? new Set<string>();
    for (const id of personIds) members.add(id);
    this.membership.set(privilegeGroupId, members);
    this.save();
  }

  snapshot(): SimulatedPerson[] {
    return [...this.persons.values()].map(({ info, face }) => {
      if (face === undefined) return structuredClone(info);
      const { jpegBase64: _omit, ...summary } = face;
      return { ...structuredClone(info), face: summary };
    });
  }

  membershipSnapshot(): Record<string, string[]> {
    return Object.fromEntries([...this.membership].map(([group, ids]) => [group, [...ids].sort()]));
  }

  countPerson(personCode: string, what: keyof PersonCallCounts): void {
    const counts = (this.counters.byPersonCode[personCode] ??= {
      lookup: 0,
      add: 0,
      update: 0,
      faceUpdate: 0,
      delete: 0,
    });
    counts[what] += 1;
  }

  logRequest(path: string, body: unknown): SimulatorRequestRecord {
    const record: SimulatorRequestRecord = { at: Date.now(), path };
    if (typeof body === 'object' && body !== null) {
      const { personCode, personId } = body as { personCode?: unknown; personId?: unknown };
      if (typeof personId === 'string') {
        record.personId = personId;
        const known = this.persons.get(personId)?.info.personCode;
        if (known !== undefined) record.personCode = known;
      }
      if (typeof personCode === 'string') record.personCode = personCode;
    }
    this.requestLog.push(record);
    if (this.requestLog.length > REQUEST_LOG_LIMIT)
      this.requestLog.splice(0, this.requestLog.length - REQUEST_LOG_LIMIT);
    return record;
  }

  countPath(path: string, what: 'received' | 'succeeded'): void {
    const counts = (this.counters.byPath[path] ??= { received: 0, succeeded: 0 });
    counts[what] += 1;
  }

  /** Empties persons, memberships, apply requests and counters; orgs and groups stay as configured. */
  reset(): void {
    this.persons.clear();
    this.membership.clear();
    this.nextPersonId = 1;
    this.nextPicId = 1;
    this.applyRequests = [];
    this.counters = emptyCounters();
    this.requestLog = [];
    this.save();
  }

  private attachFace(stored: { info: PersonInfo; face?: StoredFace }, face: AcceptedFace): void {
    const { jpeg, ok: _ok, ...summary } = face;
    stored.face = { ...summary, jpegBase64: jpeg.toString('base64') };
    // A new URI per upload, so a client comparing picUri sees that the photo changed.
    const picUri = `/pic?id=${this.nextPicId++}`;
    stored.info.personPhoto = { picUri, picBigUri: picUri };
  }

  private load(): void {
    if (this.stateFile === undefined) return;
    let text: string;
    try {
      text = readFileSync(this.stateFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const state = JSON.parse(text) as PersistedState;
    if (state.version !== 1) throw new Error(`${this.stateFile}: unsupported simulator state version`);
    this.nextPersonId = state.nextPersonId;
    this.nextPicId = state.nextPicId;
    this.persons = new Map(state.persons.map((p) => [p.info.personId, p]));
    this.membership = new Map(Object.entries(state.privilegeMembership).map(([g, ids]) => [g, new Set(ids)]));
  }

  /** Synchronous write-then-rename: a crash never leaves a half-written file, and a restart sees every answer given. */
  private save(): void {
    if (this.stateFile === undefined) return;
    const state: PersistedState = {
      version: 1,
      nextPersonId: this.nextPersonId,
      nextPicId: this.nextPicId,
      persons: [...this.persons.values()],
      privilegeMembership: this.membershipSnapshot(),
    };
    // People and their faces: owner-only, like the rest of the data dir. The folder is only created here, not
    // re-moded: it may be the data dir itself, whose mode start-up decides (src/dev/start.ts).
    mkdirSync(dirname(this.stateFile), { recursive: true, mode: PRIVATE_DIR_MODE });
    const tmp = `${this.stateFile}.${process.pid}.tmp`;
    writePrivateFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.stateFile);
  }
}
