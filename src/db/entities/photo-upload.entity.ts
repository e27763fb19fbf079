import { Entity, Index, ManyToOne, Property, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.entity';
import { Person } from './person.entity';

/**
 * A photo as uploaded, waiting for the worker's intake (decode, checks, duplicate search) and removed by it
 * whatever the outcome. The API stores the bytes here and passes only the row's id to the intake workflow: no API
 * process decodes images, and no photo bytes travel through Temporal (STYLE §10).
 */
@Entity({ tableName: 'photo_upload' })
@Index({ properties: ['createdAt'] })
export class PhotoUpload extends BaseEntity {
  @ManyToOne(() => Person, { ref: true, deleteRule: 'cascade' })
  person: Ref<Person>;

  /** What the Content-Type said (sharp's format name); intake refuses bytes of another format. */
  @Property({ type: 'string', length: 16 })
  declaredFormat: string;

  @Property({ type: 'blob', lazy: true })
  data: Buffer;

  constructor(fields: { person: Ref<Person>; declaredFormat: string; data: Buffer }) {
    super();
    this.person = fields.person;
    this.declaredFormat = fields.declaredFormat;
    this.data = fields.data;
  }
}
