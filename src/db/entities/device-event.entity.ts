import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique, type Ref } from '@mikro-orm/core';
import { Device } from './device.entity';

/** A row a device caused: its own serial id and the device (rows go with the device). */
export abstract class DeviceRecord {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Device, { ref: true, deleteRule: 'cascade' })
  device!: Ref<Device>;
}

/** A row stored from a device's message: its serial id and the mid (for an event, the batch that first brought it). */
export abstract class DeviceMessageRecord {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'string', length: 128 })
  mid!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  receivedAt: Date = new Date();
}

/**
 * A row of the door's audit trail (events, snapshots): it stays when the device is deleted, so it names the
 * device by id, without a foreign key (Migration20261202060000b). A door registered again under the same id
 * continues the same trail.
 */
export abstract class DeviceAuditRecord extends DeviceMessageRecord {
  @Property({ type: 'string', length: 64 })
  deviceId!: string;
}

/** A device going online or offline: broker session hooks, or its first message through an external broker. */
@Entity({ tableName: 'device_presence' })
@Index({ name: 'device_presence_device_id_index', properties: ['device', 'id'] })
export class DevicePresence extends DeviceRecord {
  @Property({ type: 'boolean' })
  online!: boolean;

  /** connected | disconnect | keepaliveTimeout | connectionLost (broker.ts) | message (external broker) | gatewayRestart. */
  @Property({ type: 'string', length: 24 })
  reason!: string;

  @Property({ type: 'datetime' })
  at!: Date;
}

/** A door event (§7), unique on (device, user, type, time) so re-sent batches are stored once. */
@Entity({ tableName: 'access_event' })
@Unique({ name: 'access_event_natural_unique', properties: ['deviceId', 'userId', 'accessType', 'accessTime'] })
@Index({ name: 'access_event_access_time_index', properties: ['accessTime', 'id'] })
export class AccessEvent extends DeviceAuditRecord {
  @Property({ type: 'integer' })
  userId!: number;

  @Property({ type: 'smallint' })
  userType!: number;

  @Property({ type: 'string', length: 16 })
  accessType!: string;

  @Property({ type: 'datetime' })
  accessTime!: Date;
}

/** A snapshot (§13): metadata here, the image in the blob store under `blobKey` (src/gateway/capture-store.ts). */
@Entity({ tableName: 'device_capture' })
@Unique({ name: 'device_capture_natural_unique', properties: ['deviceId', 'captureTime', 'blobKey'] })
export class DeviceCapture extends DeviceAuditRecord {
  @Property({ type: 'integer', nullable: true })
  userId?: number | null;

  @Property({ type: 'datetime' })
  captureTime!: Date;

  @Property({ type: 'string', length: 128 })
  blobKey!: string;

  @Property({ type: 'integer' })
  bytes!: number;

  @Property({ type: 'string', length: 64 })
  contentType!: string;
}

/** A feature the device could not use (§5), shown per person. */
@Entity({ tableName: 'device_feature_error' })
@Index({ name: 'device_feature_error_user_id_index', properties: ['userId', 'id'] })
export class DeviceFeatureError extends DeviceMessageRecord {
  @ManyToOne(() => Device, { ref: true, deleteRule: 'cascade' })
  device!: Ref<Device>;

  @Property({ type: 'integer' })
  userId!: number;

  @Property({ type: 'string', length: 8 })
  featureType!: string;

  @Property({ type: 'integer' })
  featureIndex!: number;

  /** 1 unparseable, 2 duplicate (0 = unspecified, as the seed's example sends). */
  @Property({ type: 'smallint' })
  status!: number;

  @Property({ type: 'string', length: 64, nullable: true })
  featurePrefix?: string | null;

  @Property({ type: 'integer', nullable: true })
  featureLength?: number | null;
}
