import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Device } from './device.entity';

/**
 * One queued change for one device. Written by the person/assignment triggers and by queue
 * rebuilds; folded and consumed by the push activities (src/db/repositories/devices/device-queue.ts). `kind` records what the
 * change was; what is sent is decided when folding, against the current person and what the device acknowledged.
 */
@Entity({ tableName: 'device_sync_op' })
@Index({ name: 'device_sync_op_device_user_index', properties: ['device', 'userId', 'seq'] })
export class DeviceSyncOp {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  seq!: string;

  @ManyToOne(() => Device, { ref: true, deleteRule: 'cascade' })
  device!: Ref<Device>;

  @Property({ type: 'integer' })
  userId!: number;

  /** A check constraint in PostgreSQL (`device_sync_op_kind_check`), which MikroORM reads back as this enum. */
  @Enum({ items: ['upsert', 'delete'], columnType: 'varchar(8)' })
  kind!: 'upsert' | 'delete';

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}

/** A user the device acknowledged holding (code 0 within `sync_size`), with the entry version it holds. */
@Entity({ tableName: 'device_user' })
@Index({ name: 'device_user_user_id_index', properties: ['userId'] })
export class DeviceUser {
  @ManyToOne(() => Device, { ref: true, primary: true, deleteRule: 'cascade' })
  device!: Ref<Device>;

  @PrimaryKey({ type: 'integer' })
  userId!: number;

  @Property({ type: 'string', length: 32 })
  version!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  syncedAt: Date = new Date();
}

export const RESYNC_STATES = ['running', 'completed', 'capacityFull', 'failed'] as const;
export type ResyncState = (typeof RESYNC_STATES)[number];

/** The cursor of a device's full resync (digest §1/§2): survives worker restarts, one row per device. */
@Entity({ tableName: 'device_resync' })
export class DeviceResync {
  @ManyToOne(() => Device, { ref: true, primary: true, deleteRule: 'cascade' })
  device!: Ref<Device>;

  @Property({ type: 'string', length: 200 })
  runKey!: string;

  @Property({ type: 'string', length: 24 })
  reason!: string;

  @Property({ type: 'string', length: 16 })
  state!: ResyncState;

  @Property({ type: 'integer' })
  total!: number;

  @Property({ type: 'integer' })
  sent: number = 0;

  @Property({ type: 'integer' })
  batches: number = 0;

  /** Entries stream in user_id order; everything up to this id is acknowledged. */
  @Property({ type: 'integer' })
  afterUserId: number = 0;

  /** The first message (`reset: true`, `total_count`) was acknowledged. */
  @Property({ type: 'boolean' })
  resetAcked: boolean = false;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  startedAt: Date = new Date();

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  updatedAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  finishedAt?: Date | null;
}

export const CHECK_OUTCOMES = ['pending', 'consistent', 'mismatch', 'ignoredPending', 'mismatchCapacityFull'] as const;
export type CheckOutcome = (typeof CHECK_OUTCOMES)[number];

/** A `user_sync_check` (§2) and what came of it. */
@Entity({ tableName: 'device_check' })
@Index({ name: 'device_check_device_id_index', properties: ['device', 'id'] })
export class DeviceCheck {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Device, { ref: true, deleteRule: 'cascade' })
  device!: Ref<Device>;

  @Property({ type: 'string', length: 128 })
  mid!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  receivedAt: Date = new Date();

  @Property({ type: 'integer' })
  size!: number;

  @Property({ type: 'string', length: 20 })
  hash!: string;

  @Property({ type: 'smallint' })
  reason!: number;

  @Property({ type: 'string', length: 24 })
  outcome: CheckOutcome = 'pending';

  @Property({ type: 'integer', nullable: true })
  expectedSize?: number | null;

  @Property({ type: 'string', length: 20, nullable: true })
  expectedHash?: string | null;

  @Property({ type: 'text', nullable: true })
  detail?: string | null;

  @Property({ type: 'datetime', nullable: true })
  evaluatedAt?: Date | null;
}
