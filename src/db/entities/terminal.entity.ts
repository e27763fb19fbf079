import { Entity, Enum, Property, Unique } from '@mikro-orm/core';
import { BaseEntity } from './base.entity';
import type { TerminalCapabilities } from '../../targets/terminals/protocol/capabilities';

export type { TerminalCapabilities };

export const TERMINAL_SCHEMES = ['http', 'https'] as const;
export type TerminalScheme = (typeof TERMINAL_SCHEMES)[number];

/** A Hikvision access terminal reached over ISAPI. The password is sealed (SecretBox), never returned. */
@Entity({ tableName: 'terminal' })
export class Terminal extends BaseEntity {
  @Property({ type: 'string', length: 100 })
  @Unique()
  name: string;

  @Property({ type: 'string', length: 255 })
  host: string;

  @Property({ type: 'integer' })
  port: number;

  @Enum({ items: () => TERMINAL_SCHEMES, type: 'string' })
  scheme: TerminalScheme;

  @Property({ type: 'string', length: 64 })
  username: string;

  /** AES-256-GCM sealed; see src/security/secret-box.ts. */
  @Property({ type: 'text', lazy: true })
  passwordSealed: string;

  /** PEM of the CA that signed the terminal's certificate (https). */
  @Property({ type: 'text', nullable: true })
  caPem?: string | null;

  @Property({ type: 'boolean' })
  insecureTls: boolean = false;

  /** Careers whose people this terminal should hold (besides explicit assignments). */
  @Property({ type: 'json' })
  careers: string[] = [];

  @Property({ type: 'string', length: 64, nullable: true })
  model?: string | null;

  @Property({ type: 'string', length: 64, nullable: true })
  firmware?: string | null;

  @Property({ type: 'string', length: 64, nullable: true })
  serialNumber?: string | null;

  @Property({ type: 'json', nullable: true })
  capabilities?: TerminalCapabilities | null;

  /**
   * The terminal's UTC offset in minutes, from /ISAPI/System/time (read at probe, and when missing): `Valid` times are
   * its local wall clock (§2.4). Null while unknown.
   */
  @Property({ type: 'integer', nullable: true })
  utcOffsetMinutes?: number | null;

  @Property({ type: 'boolean' })
  online: boolean = false;

  @Property({ type: 'datetime', nullable: true })
  lastContactAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  constructor(fields: { name: string; host: string; port: number; scheme: TerminalScheme; username: string; passwordSealed: string }) {
    super();
    this.name = fields.name;
    this.host = fields.host;
    this.port = fields.port;
    this.scheme = fields.scheme;
    this.username = fields.username;
    this.passwordSealed = fields.passwordSealed;
  }

  get baseUrl(): string {
    return `${this.scheme}://${this.host}:${this.port}`;
  }
}
