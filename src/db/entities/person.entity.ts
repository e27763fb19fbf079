import { Entity, Enum, Index, ManyToOne, Property, Unique, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.entity';
import { Career } from './career.entity';

export const PERSON_KINDS = ['student', 'staff'] as const;
export type PersonKind = (typeof PERSON_KINDS)[number];

/** A person of the institution's records. `ci` (cédula) is HikCentral's `personCode` (seed 001). */
@Entity({ tableName: 'person' })
@Index({ properties: ['career', 'ci'] })
@Index({ properties: ['updatedAt'] })
// A device's full resync reads each career's people in user_id order, a page at a time.
@Index({ properties: ['career', 'userId'] })
export class Person extends BaseEntity {
  @Property({ type: 'string', length: 16 })
  @Unique()
  ci: string;

  @Property({ type: 'string', length: 256 })
  givenName: string;

  @Property({ type: 'string', length: 256 })
  familyName: string;

  @Property({ type: 'string', length: 256, nullable: true })
  secondFamilyName?: string | null;

  @ManyToOne(() => Career, { ref: true })
  career: Ref<Career>;

  @Enum({ items: () => PERSON_KINDS, type: 'string' })
  kind: PersonKind;

  @Property({ type: 'boolean' })
  active: boolean = true;

  /**
   * A small, stable number for devices that want one: seed 002's user `id` and the cloud protocol's
   * 32-bit `user_id` (reference cloud-protocol.md §1). Assigned by PostgreSQL from a sequence.
   */
  @Property({ type: 'integer', unique: true, defaultRaw: `nextval('person_user_id_seq')` })
  userId?: number;

  /** Content hash of the current photo = the photo version written to HikCentral's `remark`. */
  @Property({ type: 'string', length: 64, nullable: true })
  photoVersion?: string | null;

  constructor(fields: {
    ci: string;
    givenName: string;
    familyName: string;
    secondFamilyName?: string | null;
    career: Ref<Career>;
    kind: PersonKind;
  }) {
    super();
    this.ci = fields.ci;
    this.givenName = fields.givenName;
    this.familyName = fields.familyName;
    this.secondFamilyName = fields.secondFamilyName ?? null;
    this.career = fields.career;
    this.kind = fields.kind;
  }

  /** HikCentral has a single family-name field; both Spanish family names go there. */
  get familyNames(): string {
    return [this.familyName, this.secondFamilyName].filter((s) => s !== undefined && s !== null && s !== '').join(' ');
  }
}
