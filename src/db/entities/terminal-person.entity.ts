import { Entity, Enum, Index, ManyToOne, Property, Unique, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.entity';
import { Person } from './person.entity';
import { Terminal } from './terminal.entity';

/** An explicit "this person belongs on this terminal", besides the terminal's careers. */
@Entity({ tableName: 'terminal_assignment' })
@Unique({ properties: ['terminal', 'person'] })
export class TerminalAssignment extends BaseEntity {
  @ManyToOne(() => Terminal, { ref: true, deleteRule: 'cascade' })
  terminal: Ref<Terminal>;

  @ManyToOne(() => Person, { ref: true, deleteRule: 'cascade' })
  person: Ref<Person>;

  constructor(terminal: Ref<Terminal>, person: Ref<Person>) {
    super();
    this.terminal = terminal;
    this.person = person;
  }
}

export const TERMINAL_FACE_METHODS = ['capture', 'upload'] as const;
export type TerminalFaceMethod = (typeof TERMINAL_FACE_METHODS)[number];

/** What gatesync last wrote for a person × terminal: what incremental syncs diff against, and what it manages there. */
@Entity({ tableName: 'terminal_person_state' })
@Unique({ properties: ['terminal', 'employeeNo'] })
export class TerminalPersonState extends BaseEntity {
  @ManyToOne(() => Terminal, { ref: true, deleteRule: 'cascade' })
  terminal: Ref<Terminal>;

  /** = the person's ci; kept even when the person is deleted, so the extra can be removed from the terminal. */
  @Property({ type: 'string', length: 32 })
  employeeNo: string;

  /** Name and validity as written, to tell whether an update is due. */
  @Property({ type: 'string', length: 128, nullable: true })
  syncedName?: string | null;

  @Property({ type: 'string', length: 64, nullable: true })
  syncedValidity?: string | null;

  @Property({ type: 'boolean' })
  faceBound: boolean = false;

  @Enum({ items: () => TERMINAL_FACE_METHODS, type: 'string', nullable: true })
  faceMethod?: TerminalFaceMethod | null;

  /** The photo version uploaded (upload method); null for a captured face. */
  @Property({ type: 'string', length: 64, nullable: true })
  facePhotoVersion?: string | null;

  @Property({ type: 'string', length: 32, nullable: true })
  lastResult?: string | null;

  @Property({ type: 'text', nullable: true })
  lastMessage?: string | null;

  @Property({ type: 'datetime', nullable: true })
  syncedAt?: Date | null;

  constructor(terminal: Ref<Terminal>, employeeNo: string) {
    super();
    this.terminal = terminal;
    this.employeeNo = employeeNo;
  }
}

export const TERMINAL_CAPTURE_STATES = ['waiting', 'captured', 'binding', 'bound', 'cancelled', 'failed'] as const;
export type TerminalCaptureState = (typeof TERMINAL_CAPTURE_STATES)[number];

/**
 * One face-capture attempt on a terminal (seed 002 step 2) and what became of it: `waiting` (the terminal waits for
 * a face) → `captured` (its URL and a copy of the JPEG kept) → `binding` → `bound` (FDSetUp with that URL, seed 002
 * step 3); `failed` when nobody showed a face; `cancelled` when the enrolment it belongs to was cancelled — the
 * picture is dropped and it is never bound, made a photo or offered again. The state is the decision every process
 * (API, workers, an activity that finishes late) reads; it only moves by conditional updates (terminal-captures.ts).
 */
@Entity({ tableName: 'terminal_capture' })
export class TerminalCapture extends BaseEntity {
  @ManyToOne(() => Terminal, { ref: true, deleteRule: 'cascade' })
  terminal: Ref<Terminal>;

  /** Who presented the face, when known. */
  @Property({ type: 'string', length: 16, nullable: true })
  ci?: string | null;

  /** The picture's URL on the terminal; none while waiting. */
  @Property({ type: 'text', nullable: true })
  faceDataUrl?: string | null;

  @Property({ type: 'blob', lazy: true, nullable: true })
  data?: Buffer | null;

  @Property({ type: 'datetime', nullable: true })
  boundAt?: Date | null;

  @Enum({ items: () => TERMINAL_CAPTURE_STATES, type: 'string' })
  state: TerminalCaptureState = 'waiting';

  /**
   * The workflow run the capture belongs to now — the one capturing it, then the enrolment binding it — so a cancel
   * of that run finds it.
   */
  @Index()
  @Property({ type: 'string', length: 64, nullable: true })
  runId?: string | null;

  constructor(terminal: Ref<Terminal>, ci: string | null, runId: string | null) {
    super();
    this.terminal = terminal;
    this.ci = ci;
    this.runId = runId;
  }
}

export const TERMINAL_OP_STATUSES = ['pending', 'done', 'failed'] as const;
export type TerminalOpStatus = (typeof TERMINAL_OP_STATUSES)[number];

/**
 * One planned change of a terminal sync run: the plan is written once, then worked
 * through in order; a resumed run skips what is done, so no user is written twice.
 */
@Entity({ tableName: 'terminal_sync_op' })
@Unique({ properties: ['runKey', 'seq'] })
export class TerminalSyncOp extends BaseEntity {
  @Property({ type: 'string', length: 120 })
  runKey: string;

  @Property({ type: 'integer' })
  seq: number;

  @ManyToOne(() => Terminal, { ref: true, deleteRule: 'cascade' })
  terminal: Ref<Terminal>;

  @Property({ type: 'string', length: 32 })
  employeeNo: string;

  @Property({ type: 'string', length: 16 })
  op: 'add' | 'update' | 'face' | 'remove';

  @Enum({ items: () => TERMINAL_OP_STATUSES, type: 'string' })
  status: TerminalOpStatus = 'pending';

  /** Which counter it went to: added, updated, faces, removed, unchanged, failed. */
  @Property({ type: 'string', length: 16, nullable: true })
  outcome?: string | null;

  /** What was done ("added", "unchanged", "face uploaded") or why it failed. */
  @Property({ type: 'text', nullable: true })
  detail?: string | null;

  constructor(fields: { runKey: string; seq: number; terminal: Ref<Terminal>; employeeNo: string; op: TerminalSyncOp['op'] }) {
    super();
    this.runKey = fields.runKey;
    this.seq = fields.seq;
    this.terminal = fields.terminal;
    this.employeeNo = fields.employeeNo;
    this.op = fields.op;
  }
}
