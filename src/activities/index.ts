import { ApplicationFailure } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { HikCentralClient } from '../targets/hikcentral/client/client';
import { HikCentralError } from '../targets/hikcentral/client/errors';
import { Career, SyncOutcome, SyncRun, type SyncRunCounters } from '../db/entities';
import {
  FailureType,
  type ImportSource,
  type PersonOutcome,
  type PersonPhotoComparisonResult,
  type PersonPhotoIntakeResult,
  type PhotoImportCounts,
  type PersonRef,
  type SyncPersonInput,
  type SyncPersonResult,
} from '../contracts';
import { PersonSyncError, syncPersonToHikCentral, type HikCentralSyncSettings } from './hikcentral/person-sync';
import { countPeople, peoplePage, type PeopleSource } from '../db/repositories/hikcentral/people-pages';
import { intakePersonPhoto } from './photos/person-photo-intake';
import { comparePersonPhotos } from './photos/person-photo-comparison';
import { countImportEntries, importPhotoBatch, updatePhotoImport, type PhotoImportBatchResult } from './photos/photo-import';
import type { PhotoPipeline } from '../db/repositories/photos/person-photo-store';
import { ImportSourceError } from '../photos/import-source-error';
import { createTerminalActivities } from './terminals/terminal-activities';
import type { TerminalClients } from './terminals/terminal-clients';
import { createDeviceActivities, type DeviceLink } from './devices/device-activities';

export interface ActivityDeps {
  orm: MikroORM;
  hikcentral: HikCentralClient;
  settings: HikCentralSyncSettings;
  /** Photo intake for the bulk import: settings and this process's face index. */
  photos: PhotoPipeline;
  /** ISAPI terminals: one client per terminal per process. */
  terminals: TerminalClients;
  /** Validity window written to terminals, in days. */
  terminalValidityDays: number;
  /** Wait between CaptureFaceData re-POSTs while no face is there yet (reference §2.3: 2–5 s). */
  terminalCapturePollMs: number;
  /** Cloud devices: the process's gateway connection; absent where no gateway runs. */
  devices?: { link?: DeviceLink; requestTimeoutMs: number };
}

/** Turns a classified target error into the failure a workflow branches on (STYLE §8). */
function toFailure(e: unknown): unknown {
  if (e instanceof PersonSyncError) {
    return ApplicationFailure.nonRetryable(e.message, e.kind === 'noPhoto' ? FailureType.NoPhoto : FailureType.PersonNotFound);
  }
  if (!(e instanceof HikCentralError)) return e;
  const details = [{ code: e.code, message: e.hcpMessage, retryAfterMs: e.retryAfterMs ?? null }];
  const message = `HikCentral ${e.code}: ${e.hcpMessage}`;
  switch (e.kind) {
    case 'transient': {
      return ApplicationFailure.create({
        message,
        type: e.overloaded ? FailureType.TargetBusy : FailureType.TargetTransient,
        details,
        nextRetryDelay: e.retryAfterMs !== undefined ? e.retryAfterMs : undefined,
      });
    }
    case 'photoRejected':
      return ApplicationFailure.nonRetryable(message, FailureType.PhotoRejected, ...details);
    default:
      return ApplicationFailure.nonRetryable(message, FailureType.TargetPermanent, ...details);
  }
}

/** A dump that cannot be imported at all fails the import at once, with its reason; other errors are retried. */
function toImportFailure(e: unknown): never {
  if (e instanceof ImportSourceError) {
    throw ApplicationFailure.nonRetryable(e.message, FailureType.ImportSourceInvalid, { problem: e.problem });
  }
  throw e;
}

export function createActivities(deps: ActivityDeps) {
  const fork = () => deps.orm.em.fork();

  return {
    ...createTerminalActivities({
      orm: deps.orm,
      get terminals() {
        return deps.terminals;
      },
      photos: deps.photos,
      validityDays: deps.terminalValidityDays,
      capturePollMs: deps.terminalCapturePollMs,
    }),
    ...createDeviceActivities({ orm: deps.orm, link: deps.devices?.link, requestTimeoutMs: deps.devices?.requestTimeoutMs ?? 10_000 }),

    async syncPerson(input: SyncPersonInput): Promise<SyncPersonResult> {
      const em = fork();
      try {
        const result = await syncPersonToHikCentral(em, deps.hikcentral, deps.settings, input.ci, input.notBeforeMs);
        if (input.runId !== undefined) await upsertOutcome(em, input.runId, result.ci, result.outcome, result.code, result.message);
        return result;
      } catch (e) {
        if (input.runId !== undefined && (e instanceof PersonSyncError || (e instanceof HikCentralError && e.kind === 'permanent'))) {
          const code = e instanceof HikCentralError ? e.code : e.kind;
          await upsertOutcome(fork(), input.runId, input.ci, 'failed', code, e instanceof HikCentralError ? e.hcpMessage : e.message);
        }
        throw toFailure(e);
      }
    },

    async recordPersonOutcome(input: { runId?: string; ci: string; outcome: PersonOutcome; code: string; message: string }): Promise<void> {
      const em = fork();
      if (input.runId !== undefined) await upsertOutcome(em, input.runId, input.ci, input.outcome, input.code, input.message);
      await em.getConnection().execute(
        `update hikcentral_person_state s set last_result = ?, last_code = ?, last_message = ?, updated_at = now()
           from person p where p.id = s.person_id and p.ci = ?`,
        [input.outcome, input.code, input.message, input.ci],
      );
    },

    async careerExists(career: string): Promise<boolean> {
      return (await fork().count(Career, { name: career })) > 0;
    },

    async countPeople(source: PeopleSource): Promise<number> {
      return countPeople(fork(), source);
    },

    async peoplePage(input: { source: PeopleSource; afterCi: string | null; limit: number }): Promise<PersonRef[]> {
      return peoplePage(fork(), input.source, input.afterCi, input.limit);
    },

    /** Idempotent on the first run id, so a retried call or a continued run finds the same row. */
    async openSyncRun(input: {
      workflowId: string;
      firstRunId: string;
      kind: string;
      career: string | null;
      params: Record<string, unknown>;
      total: number;
    }): Promise<string> {
      const em = fork();
      const existing = await em.findOne(SyncRun, { firstRunId: input.firstRunId });
      if (existing !== null) return existing.id;
      const run = new SyncRun(input);
      run.total = input.total;
      await em.persistAndFlush(run);
      return run.id;
    },

    async updateSyncRun(input: {
      runId: string;
      total: number;
      processed: number;
      counts: SyncRunCounters;
      state: string;
      lastError: string | null;
      finished: boolean;
    }): Promise<void> {
      const em = fork();
      const run = await em.findOneOrFail(SyncRun, { id: input.runId });
      run.total = input.total;
      run.processed = input.processed;
      run.counters = { ...input.counts };
      run.state = input.state;
      run.lastError = input.lastError;
      if (input.finished) run.finishedAt = new Date();
      await em.flush();
    },

    async countImportEntries(source: ImportSource): Promise<number> {
      return countImportEntries(source).catch(toImportFailure);
    },

    async comparePersonPhotos(input: { ci: string }): Promise<PersonPhotoComparisonResult> {
      return comparePersonPhotos(fork(), deps.hikcentral, input.ci, deps.photos.settings.matchMaxDistance).catch((e: unknown) => {
        throw toFailure(e);
      });
    },

    async intakePersonPhoto(input: { uploadId: string }): Promise<PersonPhotoIntakeResult> {
      return intakePersonPhoto(fork(), deps.photos, input.uploadId);
    },

    async importPhotoBatch(input: { importId: string; source: ImportSource; afterName: string | null; limit: number }): Promise<PhotoImportBatchResult> {
      return importPhotoBatch(fork(), deps.photos, input).catch(toImportFailure);
    },

    async updatePhotoImport(input: {
      importId: string;
      total: number;
      processed: number;
      counts: PhotoImportCounts;
      state: string;
      reason?: string | null;
      finished: boolean;
    }): Promise<void> {
      return updatePhotoImport(fork(), input);
    },

    /** Seed 001 / reference §1.5: pushes pending permission changes to the devices, once per bulk run. */
    async applyHikCentralChanges(): Promise<boolean> {
      if (deps.settings.privilegeGroupIds.length === 0) return false;
      try {
        await deps.hikcentral.reapplyAuth();
        return true;
      } catch (e) {
        throw toFailure(e);
      }
    },
  };
}

async function upsertOutcome(
  em: ReturnType<MikroORM['em']['fork']>,
  runId: string,
  ci: string,
  outcome: PersonOutcome,
  code: string,
  message: string,
): Promise<void> {
  const run = em.getReference(SyncRun, runId, { wrapped: true });
  const existing = await em.findOne(SyncOutcome, { run, ci });
  if (existing !== null) {
    existing.outcome = outcome;
    existing.code = code;
    existing.message = message;
  } else {
    em.persist(new SyncOutcome({ run, ci, outcome, code, message }));
  }
  await em.flush();
}

export type Activities = ReturnType<typeof createActivities>;
