import { Entity, Index, Property, Unique } from '@mikro-orm/core';
import { BaseEntity } from './base.entity';

export interface SyncRunCounters {
  synced: number;
  alreadyRegistered: number;
  photoRejected: number;
  failed: number;
}

/**
 * One execution chain of a sync workflow (all its continue-as-new runs), kept so the history
 * survives Temporal's retention.
 */
@Entity({ tableName: 'sync_run' })
@Index({ properties: ['state'] })
export class SyncRun extends BaseEntity {
  @Property({ type: 'string', length: 200 })
  @Index()
  workflowId: string;

  /** The first run id of the chain; continue-as-new keeps it (workflowInfo().firstExecutionRunId). */
  @Property({ type: 'string', length: 64 })
  @Unique()
  firstRunId: string;

  @Property({ type: 'string', length: 40 })
  kind: string;

  @Property({ type: 'string', length: 200, nullable: true })
  career?: string | null;

  @Property({ type: 'json' })
  params: Record<string, unknown>;

  @Property({ type: 'integer' })
  total: number = 0;

  @Property({ type: 'integer' })
  processed: number = 0;

  @Property({ type: 'json' })
  counters: SyncRunCounters = { synced: 0, alreadyRegistered: 0, photoRejected: 0, failed: 0 };

  @Property({ type: 'string', length: 20 })
  state: string = 'running';

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Property({ type: 'datetime' })
  startedAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  finishedAt?: Date | null;

  constructor(fields: { workflowId: string; firstRunId: string; kind: string; career?: string | null; params: Record<string, unknown> }) {
    super();
    this.workflowId = fields.workflowId;
    this.firstRunId = fields.firstRunId;
    this.kind = fields.kind;
    this.career = fields.career ?? null;
    this.params = fields.params;
  }
}
