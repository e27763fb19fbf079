import { Entity, Enum, Index, ManyToOne, Property, Unique, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.entity';
import { SYNC_OUTCOMES, type SyncOutcomeKind } from './hikcentral-person-state.entity';
import { SyncRun } from './sync-run.entity';

/** The outcome of one person within one sync run; `retry-failed` reads these. */
@Entity({ tableName: 'sync_outcome' })
@Unique({ properties: ['run', 'ci'] })
@Index({ properties: ['run', 'outcome', 'ci'] })
export class SyncOutcome extends BaseEntity {
  @ManyToOne(() => SyncRun, { ref: true, deleteRule: 'cascade' })
  run: Ref<SyncRun>;

  @Property({ type: 'string', length: 16 })
  ci: string;

  @Enum({ items: () => SYNC_OUTCOMES, type: 'string' })
  outcome: SyncOutcomeKind;

  @Property({ type: 'string', length: 64, nullable: true })
  code?: string | null;

  @Property({ type: 'text', nullable: true })
  message?: string | null;

  constructor(fields: { run: Ref<SyncRun>; ci: string; outcome: SyncOutcomeKind; code?: string | null; message?: string | null }) {
    super();
    this.run = fields.run;
    this.ci = fields.ci;
    this.outcome = fields.outcome;
    this.code = fields.code ?? null;
    this.message = fields.message ?? null;
  }
}
