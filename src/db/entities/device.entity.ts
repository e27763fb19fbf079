import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Person } from './person.entity';
import type { ModelParams } from '../../targets/devices/protocol/model-params';
import type { AccessTimeWindow } from '../../targets/devices/protocol/messages';

/**
 * A configurable parameter's definition (seed "设备参数" → "可配置参数", digest §15): a list of choices with a
 * default, or `{type, min, max, tips}` constraints. A parameter missing from the model is unsupported.
 */
export type DeviceConfigParam =
  | { options: { value: string; label?: string }[]; default?: string }
  | { type: 'int' | 'string'; min?: number; max?: number; tips?: string };

/** The last value set with property_update (§14), as the device confirmed it. */
export interface DevicePropertyValue {
  value: string;
  extValue?: string;
  setAt: string;
}

/**
 * A cloud access-control device (seed 003). `id` is the device id the protocol uses everywhere: MQTT
 * client id and username, topic level, envelope `to`/`from`. The secret is stored as an scrypt hash
 * (src/security/device-secret.ts), shown once at creation.
 */
@Entity({ tableName: 'device' })
export class Device {
  @PrimaryKey({ type: 'string', length: 64 })
  id: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'string', length: 100 })
  name: string;

  @Property({ type: 'text', lazy: true })
  secretHash: string;

  /** Fixed traits (§15) with their defaults filled in. */
  @Property({ type: 'json' })
  model: ModelParams;

  /** `*_config` definitions of the model, keyed by setting name without `_config`. */
  @Property({ type: 'json', defaultRaw: "'{}'" })
  configParams: Record<string, DeviceConfigParam> = {};

  @Property({ type: 'json', defaultRaw: "'{}'" })
  properties: Record<string, DevicePropertyValue> = {};

  /** The full set last acknowledged by the device (§10); null until one was sent. */
  @Property({ type: 'json', nullable: true })
  openingHours?: AccessTimeWindow[] | null;

  /** Careers (= departments in seed 002) whose active people this device should hold. */
  @Property({ type: 'json', defaultRaw: "'[]'" })
  careers: string[] = [];

  @Property({ type: 'boolean', default: false })
  online: boolean = false;

  @Property({ type: 'datetime', nullable: true })
  onlineChangedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  lastSeenAt?: Date | null;

  /** §9: 0 closed, 1 open. */
  @Property({ type: 'smallint', nullable: true })
  doorStatus?: number | null;

  @Property({ type: 'datetime', nullable: true })
  doorStatusAt?: Date | null;

  /** §1 code 1: set when the device said it is full; inserts stop until cleared (alert). */
  @Property({ type: 'datetime', nullable: true })
  capacityFullAt?: Date | null;

  /** §1 code 2: last time the device said it was busy (alert while the pause lasts). */
  @Property({ type: 'datetime', nullable: true })
  busyAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  lastSyncError?: string | null;

  constructor(fields: { id: string; name: string; secretHash: string; model: ModelParams }) {
    this.id = fields.id;
    this.name = fields.name;
    this.secretHash = fields.secretHash;
    this.model = fields.model;
  }
}

/** "This person belongs on this device", besides the device's careers. */
@Entity({ tableName: 'device_assignment' })
@Index({ name: 'device_assignment_person_id_index', properties: ['person'] })
export class DeviceAssignment {
  @ManyToOne(() => Device, { ref: true, primary: true, deleteRule: 'cascade' })
  device: Ref<Device>;

  @ManyToOne(() => Person, { ref: true, primary: true, deleteRule: 'cascade' })
  person: Ref<Person>;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(device: Ref<Device>, person: Ref<Person>) {
    this.device = device;
    this.person = person;
  }
}
