import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { TaskQueues } from '../contracts/task-queues';
import type { SecretBox } from '../security/secret-box';
import type { DeviceSyncDefaults } from '../temporal-client/devices';

export interface ApiDeps {
  orm: MikroORM;
  temporal: Client;
  /** Where each family's workflows are started (contracts/task-queues). */
  queues: TaskQueues;
  token: string;
  logger: Logger;
  bodyLimit: string;
  photoLimit: string;
  defaultPacingMs: number;
  busyPauseMs: number;
  /** Probed by GET /api/health. */
  checkHikCentral: () => Promise<{ ok: boolean; detail: string }>;
  /** HikCentral's stored face of a person (bytes stay out of Temporal), or null. */
  readHikCentralPhoto: (ci: string) => Promise<Buffer | null>;
  /** Folder imports read only below this folder; undefined disables them. */
  importRoot?: string;
  /** Uploaded zips are kept under `<dataDir>/imports`. */
  dataDir: string;
  zipLimit: string;
  /** Seals terminal passwords before they are stored; nothing here ever opens one. */
  secrets: SecretBox;
  terminalSync: { pacingMs: number; busyPauseMs: number };
  /** How long the seed-002 routes wait for a capture or an enrolment; default 60 s. */
  terminalWaitMs?: number;
  /** How long the seed-compatible routes wait for a person's sync. */
  personSyncTimeoutMs?: number;
  /** How long PUT /api/persons/:ci/photo waits for the worker's intake before answering 504 (default 60 s). */
  photoIntakeTimeoutMs?: number;
  /** Cloud devices: defaults of their sync workflows, how long a command may take, where captures are. */
  devices?: { syncDefaults: DeviceSyncDefaults; commandTimeoutMs: number };
}
