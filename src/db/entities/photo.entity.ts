import { Entity, ManyToOne, Property, Unique, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.entity';
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

  constructor(fields: {
    person: Ref<Person>;
    version: string;
    format: string;
    width: number;
    height: number;
    data: Buffer;
  }) {
    super();
    this.person = fields.person;
    this.version = fields.version;
    this.format = fields.format;
    this.width = fields.width;
    this.height = fields.height;
    this.data = fields.data;
    this.byteSize = fields.data.length;
  }
}
