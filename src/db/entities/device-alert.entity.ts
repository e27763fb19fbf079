import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Device } from './device.entity';

/**
 * What an alert is about: `busy` (§1 code 2, the sync pauses), `capacityFull` (§1 code 1, inserts stop) and
 * `syncError` (the last push failure, shown as the device's `lastSyncError`).
 */
export const DEVICE_ALERT_KINDS = ['busy', 'capacityFull', 'syncError'] as const;
export type DeviceAlertKind = (typeof DEVICE_ALERT_KINDS)[number];

/**
 * One episode of an alert on a device: raised, raised again while open (`times`, `lastRaisedAt`), cleared when its
 * cause went away (`clearedBy` says which). At most one open row per device and kind (a partial unique index,
 * `device_alert_open_unique`, written by Migration20261202060000b). Written only by src/db/repositories/devices/device-alerts.ts.
 */
@Entity({ tableName: 'device_alert' })
@Index({ name: 'device_alert_device_id_index', properties: ['device', 'id'] })
@Index({
  name: 'device_alert_open_unique',
  expression:
    'create unique index "device_alert_open_unique" on "device_alert" ("device_id", "kind") where "cleared_at" is null',
})
export class DeviceAlert {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Device, { ref: true, deleteRule: 'cascade' })
  device!: Ref<Device>;

  /** A check constraint in PostgreSQL (`device_alert_kind_check`). */
  @Enum({ items: [...DEVICE_ALERT_KINDS], columnType: 'varchar(16)' })
  kind!: DeviceAlertKind;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  raisedAt: Date = new Date();

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  lastRaisedAt: Date = new Date();

  @Property({ type: 'integer', default: 1 })
  times: number = 1;

  @Property({ type: 'text', nullable: true })
  detail?: string | null;

  @Property({ type: 'datetime', nullable: true })
  clearedAt?: Date | null;

  @Property({ type: 'string', length: 24, nullable: true })
  clearedBy?: string | null;
}
