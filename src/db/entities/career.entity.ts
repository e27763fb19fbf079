import { Entity, Property, Unique } from '@mikro-orm/core';
import { BaseEntity } from './base.entity';

/** A career (carrera) groups students; bulk syncs run one career at a time (seed 000). */
@Entity({ tableName: 'career' })
export class Career extends BaseEntity {
  @Property({ type: 'string', length: 200 })
  @Unique()
  name: string;

  constructor(name: string) {
    super();
    this.name = name;
  }
}
