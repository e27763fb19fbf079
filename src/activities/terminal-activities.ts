import { ApplicationFailure, Context } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Person, Photo, Terminal, TerminalCapture, TerminalPersonState } from '../db/entities';
import { IsapiAuthError, IsapiError } from '../targets/isapi/errors';
import type { IsapiClient } from '../targets/isapi/client';
import { renditionFor } from '../photos/rendition-cache';
import { RenditionError } from '../photos/rendition-error';
import { storePersonPhoto, type PhotoPipeline } from '../photos/person-photo-store';
import { PhotoInputError } from '../photos/photo-intake';
import { TerminalFailureType, type CaptureTerminalFaceResult } from '../workflows/contracts';
import type { TerminalClients} from './terminal-clients';
import { TerminalMissingError } from './terminal-clients';
import { desiredTerminalUsers, terminalUserOf, upsertTerminalUser } from './terminal-users';
import { applyTerminalOps, planTerminalSync } from './terminal-sync';
import { heartbeat } from './heartbeat';

export interface TerminalActivityDeps {
  orm: MikroORM;
  terminals: TerminalClients;
  photos: PhotoPipeline;
  /** Length of the validity window written to terminals. */
  validityDays: number;
}

/** ISAPI errors as the failures workflows branch on (STYLE §8); the terminal's words are kept. */
export function toTerminalFailure(e: unknown): unknown {
  if (e instanceof TerminalMissingError) return ApplicationFailure.nonRetryable(e.message, TerminalFailureType.TerminalNotFound);
  if (e instanceof PersonMissingError) return ApplicationFailure.nonRetryable(e.message, TerminalFailureType.TerminalNotFound);
  if (e instanceof PhotoNotUsableError || e instanceof RenditionError) {
    return ApplicationFailure.nonRetryable(e.message, TerminalFailureType.PhotoNotUsable);
  }
  if (e instanceof IsapiAuthError) {
    return ApplicationFailure.nonRetryable(
      `${e.message}${e.locked ? ' (the terminal is locked after bad logins)' : ''} — fix the terminal's credentials; gatesync stops instead of risking the lockout`,
      TerminalFailureType.TerminalAuth,
    );
  }
  if (!(e instanceof IsapiError)) return e;
  const details = [{ kind: e.kind, subStatusCode: e.subStatusCode ?? null, statusCode: e.statusCode ?? null }];
  switch (e.kind) {
    case 'busy':
      return ApplicationFailure.create({ message: e.message, type: TerminalFailureType.TerminalBusy, details, nextRetryDelay: e.retryAfterMs });
    case 'transient':
      return ApplicationFailure.create({ message: e.message, type: TerminalFailureType.TerminalTransient, details });
    case 'noFaceCaptured':
      return ApplicationFailure.nonRetryable(e.message, TerminalFailureType.NoFaceCaptured, ...details);
    default:
      return ApplicationFailure.nonRetryable(e.message, TerminalFailureType.TerminalPermanent, ...details);
  }
}

export class PersonMissingError extends Error {
  constructor(ci: string) {
    super(`person ${ci} is not in gatesync's database`);
    this.name = 'PersonMissingError';
  }
}

export class PhotoNotUsableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PhotoNotUsableError';
  }
}

function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** Runs `fn`, turning what it throws into workflow-facing failures. */
async function acting<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toTerminalFailure(e);
  }
}

async function recordState(
  orm: MikroORM,
  terminalId: string,
  ci: string,
  patch: Partial<Pick<TerminalPersonState, 'syncedName' | 'syncedValidity' | 'faceBound' | 'faceMethod' | 'facePhotoVersion' | 'lastResult' | 'lastMessage'>>,
): Promise<void> {
  const em = orm.em.fork();
  let state = await em.findOne(TerminalPersonState, { terminal: terminalId, employeeNo: ci });
  if (state === null) {
    state = new TerminalPersonState(em.getReference(Terminal, terminalId, { wrapped: true }), ci);
    em.persist(state);
  }
  Object.assign(state, patch, { syncedAt: new Date() });
  await em.flush();
}

export function createTerminalActivities(deps: TerminalActivityDeps) {
  const fork = () => deps.orm.em.fork();
  const connect = (terminalId: string): Promise<{ terminal: Terminal; client: IsapiClient }> => deps.terminals.forTerminal(fork(), terminalId);

  return {
    /** deviceInfo + capabilities into the registry (issue 4 §1); marks the terminal online or not. */
    async probeTerminal(input: { terminalId: string }): Promise<{ online: boolean; model: string | null; faceUpload: boolean; faceCapture: boolean; error: string | null }> {
      const em = fork();
      const { terminal, client } = await deps.terminals.forTerminal(em, input.terminalId);
      try {
        const info = await client.deviceInfo();
        const caps = await client.capabilities();
        terminal.model = info.model ?? null;
        terminal.firmware = info.firmwareVersion ?? null;
        terminal.serialNumber = info.serialNumber ?? null;
        terminal.capabilities = caps;
        terminal.online = true;
        terminal.lastContactAt = new Date();
        terminal.lastError = null;
        await em.flush();
        return {
          online: true,
          model: terminal.model,
          faceUpload: caps.faceUpload.binary === true,
          faceCapture: caps.faceUpload.captureAndBind === true,
          error: null,
        };
      } catch (e) {
        if (!(e instanceof IsapiError)) throw e;
        terminal.online = e.kind !== 'transient';
        terminal.lastError = e.message;
        await em.flush();
        if (e instanceof IsapiAuthError) throw toTerminalFailure(e);
        return { online: terminal.online, model: terminal.model ?? null, faceUpload: false, faceCapture: false, error: e.message };
      }
    },

    /**
     * Upsert by employeeNo = ci (reference §2.7: Record, and on employeeNoAlreadyExist compare and
     * Modify only if different), and make sure a sync keeps the person there.
     */
    async ensureTerminalUser(input: { terminalId: string; ci: string }): Promise<{ action: 'added' | 'updated' | 'unchanged'; faceUpload: boolean; faceCapture: boolean }> {
      return acting(async () => {
        const em = fork();
        const { terminal, client } = await deps.terminals.forTerminal(em, input.terminalId);
        const person = await em.findOne(Person, { ci: input.ci });
        if (person === null) throw new PersonMissingError(input.ci);
        const wanted = (await desiredTerminalUsers(em, input.terminalId, deps.validityDays, [input.ci]))[0];
        if (wanted === undefined) {
          // Not held through a career: an explicit assignment keeps a later sync from removing them.
          await em.getConnection().execute(
            `insert into terminal_assignment (id, created_at, updated_at, terminal_id, person_id)
             values (gen_random_uuid(), now(), now(), ?, ?) on conflict (terminal_id, person_id) do nothing`,
            [input.terminalId, person.id],
          );
        }
        const target =
          wanted ??
          terminalUserOf(
            { ci: person.ci, given_name: person.givenName, family_name: person.familyName, second_family_name: person.secondFamilyName ?? null, active: person.active, created_at: person.createdAt },
            deps.validityDays,
          );
        if (terminal.capabilities === null || terminal.capabilities === undefined) {
          // Never probed: `auto` needs to know which face methods the model has.
          terminal.capabilities = await client.capabilities();
          terminal.online = true;
          terminal.lastContactAt = new Date();
          await em.flush();
        }
        const caps = terminal.capabilities.faceUpload;
        const faces = { faceUpload: caps.binary === true, faceCapture: caps.captureAndBind !== false };
        const { action } = await upsertTerminalUser(client, target);
        await recordState(deps.orm, input.terminalId, input.ci, { syncedName: target.name, syncedValidity: target.validity, lastResult: action, lastMessage: null });
        return { action, ...faces };
      });
    },

    /**
     * Seed 002 step 2: the terminal waits for a face (cancellable: the workflow's cancellation aborts
     * the polling); the captured picture is copied into gatesync and, for a person without a photo,
     * becomes their photo through the usual intake checks.
     */
    async captureTerminalFace(input: { terminalId: string; ci?: string; timeoutMs: number }): Promise<CaptureTerminalFaceResult> {
      return acting(async () => {
        const { client } = await connect(input.terminalId);
        const signal = cancellationSignal();
        const beating = setInterval(() => heartbeat({ waiting: true }), 1_000);
        let captured;
        try {
          captured = await client.captureFace({ timeoutMs: input.timeoutMs, pollIntervalMs: 1_000, signal });
        } finally {
          clearInterval(beating);
        }
        const jpeg = await client.fetchPicture(captured.faceDataUrl, signal);
        const em = fork();
        const capture = new TerminalCapture(em.getReference(Terminal, input.terminalId, { wrapped: true }), captured.faceDataUrl, input.ci ?? null);
        capture.data = jpeg;
        em.persist(capture);
        await em.flush();
        let storedAsPhoto = false;
        if (input.ci !== undefined) {
          const person = await em.findOne(Person, { ci: input.ci });
          if (person !== null && (person.photoVersion === null || person.photoVersion === undefined)) {
            try {
              await storePersonPhoto(em, deps.photos, person, jpeg);
              storedAsPhoto = true;
            } catch (e) {
              if (!(e instanceof PhotoInputError)) throw e;
            }
          }
        }
        return { captureId: capture.id, faceDataUrl: captured.faceDataUrl, storedAsPhoto };
      });
    },

    /** Seed 002 step 3: FDSetUp with the terminal's own URL of the captured picture. */
    async bindCapturedFace(input: { terminalId: string; ci: string; captureId: string }): Promise<{ faceDataUrl: string }> {
      return acting(async () => {
        const em = fork();
        const capture = await em.findOne(TerminalCapture, { id: input.captureId, terminal: input.terminalId });
        if (capture === null) throw new TerminalMissingError(`${input.terminalId} (capture ${input.captureId})`);
        const { client } = await connect(input.terminalId);
        await client.bindFaceUrl(input.ci, capture.faceDataUrl);
        capture.boundAt = new Date();
        capture.ci = input.ci;
        await em.flush();
        await recordState(deps.orm, input.terminalId, input.ci, { faceBound: true, faceMethod: 'capture', facePhotoVersion: null });
        return { faceDataUrl: capture.faceDataUrl };
      });
    },

    /** FDSetUp multipart (add-or-replace) with the ISAPI rendition (≤200 KB); a photo failing its checks is not pushed. */
    async uploadTerminalFace(input: { terminalId: string; ci: string }): Promise<{ photoVersion: string }> {
      return acting(async () => {
        const em = fork();
        const person = await em.findOne(Person, { ci: input.ci });
        if (person === null) throw new PersonMissingError(input.ci);
        if (person.photoVersion === null || person.photoVersion === undefined) throw new PhotoNotUsableError(`person ${input.ci} has no photo to upload`);
        const photo = await em.findOneOrFail(Photo, { person, version: person.photoVersion });
        if (!photo.checksPassed) throw new PhotoNotUsableError(`the photo of ${input.ci} failed its checks and is not pushed`);
        const jpeg = await renditionFor(em, photo, deps.photos.settings.profiles.isapi);
        const { client } = await connect(input.terminalId);
        // FDSetUp adds or replaces (§2.3): a retried upload cannot fail on "face exists".
        await client.replaceFace(input.ci, jpeg);
        await recordState(deps.orm, input.terminalId, input.ci, { faceBound: true, faceMethod: 'upload', facePhotoVersion: photo.version });
        return { photoVersion: photo.version };
      });
    },

    /** FDSearch by FPID: is a face bound to this employeeNo now? */
    async verifyTerminalFace(input: { terminalId: string; ci: string }): Promise<{ faceBound: boolean }> {
      return acting(async () => {
        const { client } = await connect(input.terminalId);
        const found = await client.searchFaces({ fpid: input.ci, maxResults: 1 });
        const faceBound = found.items.some((f) => f.FPID === input.ci);
        return { faceBound };
      });
    },

    async recordTerminalEnrolment(input: { terminalId: string; ci: string; result: string; message: string; faceBound: boolean }): Promise<void> {
      await recordState(deps.orm, input.terminalId, input.ci, { lastResult: input.result, lastMessage: input.message, faceBound: input.faceBound });
    },

    async planTerminalSync(input: { terminalId: string; runKey: string; mode: 'incremental' | 'full' }): Promise<{ total: number }> {
      return acting(async () => {
        const { terminal, client } = await connect(input.terminalId);
        return planTerminalSync(fork(), { ...input, terminal, client, validityDays: deps.validityDays });
      });
    },

    async applyTerminalOps(input: { terminalId: string; runKey: string; afterSeq: number; limit: number; pacingMs: number; lastWriteAtMs?: number | null }) {
      return acting(async () => {
        const { terminal, client } = await connect(input.terminalId);
        return applyTerminalOps(fork(), deps, { ...input, terminal, client });
      });
    },
  };
}

export type TerminalActivities = ReturnType<typeof createTerminalActivities>;
