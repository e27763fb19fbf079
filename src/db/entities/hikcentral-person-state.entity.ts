import { Entity, Enum, OneToOne, Property, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.entity';
import { Person } from './person.entity';

export const SYNC_OUTCOMES = ['synced', 'alreadyRegistered', 'photoRejected', 'failed'] as const;
export type SyncOutcomeKind = (typeof SYNC_OUTCOMES)[number];

/** What gatesync knows of one person on HikCentral (seed 001: keep personId, photo version in remark). */
@Entity({ tableName: 'hikcentral_person_state' })
export class HikCentralPersonState extends BaseEntity {
  @OneToOne(() => Person, { ref: true, owner: true, unique: true, deleteRule: 'cascade' })
  person: Ref<Person>;

  /** HikCentral's own id; not the personCode. */
  @Property({ type: 'string', length: 64, nullable: true })
  hikPersonId?: string | null;

  @Property({ type: 'string', length: 64, nullable: true })
  syncedPhotoVersion?: string | null;

  @Enum({ items: () => SYNC_OUTCOMES, type: 'string', nullable: true })
  lastResult?: SyncOutcomeKind | null;

  @Property({ type: 'string', length: 64, nullable: true })
  lastCode?: string | null;

  @Property({ type: 'text', nullable: true })
  lastMessage?: string | null;

  @Property({ type: 'datetime', nullable: true })
  syncedAt?: Date | null;

  constructor(person: Ref<Person>) {
    super();
    this.person = person;
  }
}
