import { Entity, ManyToOne, Property, Unique, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.entity';
import type { PhotoChecks } from '../../photos/photo-rules';
import { Person } from './person.entity';

/**
 * A stored photo. Bytes live here, in PostgreSQL, and never travel through Temporal payloads:
 * workflows only see the version (content hash) - STYLE §10.
 */
@Entity({ tableName: 'photo' })
@Unique({ properties: ['person', 'version'] })
export class Photo extends BaseEntity {
  @ManyToOne(() => Person, { ref: true, deleteRule: 'cascade' })
  person: Ref<Person>;

  /** sha256 hex of the stored bytes. */
  @Property({ type: 'string', length: 64 })
  version: string;

  @Property({ type: 'string', length: 16 })
  format: string;

  @Property({ type: 'integer' })
  width: number;

  @Property({ type: 'integer' })
  height: number;

  @Property({ type: 'integer' })
  byteSize: number;

  @Property({ type: 'blob', lazy: true })
  data: Buffer;

  /** The format the uploader sent (the stored bytes are re-encoded without metadata). */
  @Property({ type: 'string', length: 16, nullable: true })
  sourceFormat?: string | null;

  /** Rule and face checks, each with its reason. */
  @Property({ type: 'json', nullable: true })
  checks?: PhotoChecks | null;

  /** The one face's 128 float32 descriptor (little-endian), for duplicate search; null without one. */
  @Property({ type: 'blob', lazy: true, nullable: true })
  faceDescriptor?: Buffer | null;

  /** A photo that fails a check is never pushed to a target. */
  @Property({ type: 'boolean', default: true })
  checksPassed: boolean = true;

  constructor(fields: {
    person: Ref<Person>;
    version: string;
    format: string;
    width: number;
    height: number;
    data: Buffer;
    sourceFormat?: string;
    checks: PhotoChecks;
    faceDescriptor?: Buffer | null;
  }) {
    super();
    this.person = fields.person;
    this.version = fields.version;
    this.format = fields.format;
    this.width = fields.width;
    this.height = fields.height;
    this.data = fields.data;
    this.byteSize = fields.data.length;
    this.sourceFormat = fields.sourceFormat ?? null;
    this.checks = fields.checks;
    this.checksPassed = fields.checks.passed;
    this.faceDescriptor = fields.faceDescriptor ?? null;
  }
}
