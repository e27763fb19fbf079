import { Entity, ManyToOne, Property, Unique, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.entity';
import { Photo } from './photo.entity';

/** A photo normalised for one kind of target, kept so a re-sync never re-encodes. */
@Entity({ tableName: 'photo_rendition' })
@Unique({ properties: ['photo', 'profile'] })
export class PhotoRendition extends BaseEntity {
  @ManyToOne(() => Photo, { ref: true, deleteRule: 'cascade' })
  photo: Ref<Photo>;

  /** Profile name plus a hash of its settings, so changing a profile makes new renditions. */
  @Property({ type: 'string', length: 80 })
  profile: string;

  @Property({ type: 'integer' })
  width: number;

  @Property({ type: 'integer' })
  height: number;

  @Property({ type: 'integer' })
  byteSize: number;

  @Property({ type: 'blob', lazy: true })
  data: Buffer;

  constructor(fields: { photo: Ref<Photo>; profile: string; width: number; height: number; data: Buffer }) {
    super();
    this.photo = fields.photo;
    this.profile = fields.profile;
    this.width = fields.width;
    this.height = fields.height;
    this.data = fields.data;
    this.byteSize = fields.data.length;
  }
}
