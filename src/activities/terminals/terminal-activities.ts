import { ApplicationFailure, Context } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Person, Photo, Terminal, TerminalPersonState } from '../../db/entities';
import {
  boundCapturePicture,
  captureState,
  claimCaptureForBinding,
  markCaptureBound,
  markCaptureFailed,
  openCapture,
  recordCapturedPicture,
  withdrawCaptures,
} from '../../db/repositories/terminals/terminal-captures';
import { IsapiAuthError, IsapiError } from '../../targets/terminals/client/errors';
import type { IsapiClient } from '../../targets/terminals/client/client';
import { renditionFor } from '../../db/repositories/photos/rendition-cache';
import { RenditionError } from '../../photos/rendition-error';
import { storePersonPhoto, type PhotoPipeline } from '../../db/repositories/photos/person-photo-store';
import { PhotoInputError } from '../../photos/photo-intake';
import { TerminalFailureType, type CaptureTerminalFaceResult, type TerminalPrune } from '../../contracts';
import type { TerminalClients } from './terminal-clients';
import { TerminalMissingError } from './terminal-clients';
import { desiredTerminalUsers, terminalUserOf, upsertTerminalUser } from '../../db/repositories/terminals/terminal-users';
import { applyTerminalOps, planTerminalSync } from './terminal-sync';
import { terminalUtcOffset } from './terminal-time-zone';
import { heartbeat } from '../heartbeat';

export interface TerminalActivityDeps {
  orm: MikroORM;
  terminals: TerminalClients;
  photos: PhotoPipeline;
  /** Length of the validity window written to terminals. */
  validityDays: number;
  /** Wait between CaptureFaceData re-POSTs while no face is there yet (reference §2.3: 2–5 s). */
  capturePollMs: number;
}

/** ISAPI errors as the failures workflows branch on (STYLE §8); the terminal's words are kept. */
export function toTerminalFailure(e: unknown): unknown {
  if (e instanceof TerminalMissingError) return ApplicationFailure.nonRetryable(e.message, TerminalFailureType.TerminalNotFound);
  if (e instanceof PersonMissingError) return ApplicationFailure.nonRetryable(e.message, TerminalFailureType.TerminalNotFound);
  if (e instanceof PhotoNotUsableError || e instanceof RenditionError) {
    return ApplicationFailure.nonRetryable(e.message, TerminalFailureType.PhotoNotUsable);
  }
  if (e instanceof CaptureWithdrawnError) return ApplicationFailure.nonRetryable(e.message, TerminalFailureType.CaptureWithdrawn);
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

/** The capture was withdrawn (its enrolment cancelled) or is not this person's to bind: nothing from it is kept. */
export class CaptureWithdrawnError extends Error {
  constructor(captureId: string, why = 'was withdrawn: its enrolment was cancelled') {
    super(`capture ${captureId} ${why}`);
    this.name = 'CaptureWithdrawnError';
  }
}

function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** The workflow run this activity works for: captures belong to a run, so cancelling the run finds them. */
function currentRunId(): string {
  const run = Context.current().info.workflowExecution;
  if (run === undefined) throw new Error('terminal captures are made for a workflow run; this activity was not started by one');
  return run.runId;
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
  /**
   * An activity's terminal work, holding the terminal once for all its calls (terminal-lock.ts). Waiting for it
   * heartbeats, so a heartbeating activity does not time out behind another activity's batch.
   */
  const holding = <T>(terminalId: string, work: (connected: { terminal: Terminal; client: IsapiClient }) => Promise<T>, em = fork()): Promise<T> =>
    deps.terminals.holding(em, terminalId, work, { whileWaiting: () => heartbeat({ waitingForTerminal: terminalId }), signal: cancellationSignal() });

  return {
    /** deviceInfo, capabilities and time zone into the registry; marks the terminal online or not. */
    async probeTerminal(input: { terminalId: string }): Promise<{ online: boolean; model: string | null; faceUpload: boolean; faceCapture: boolean; error: string | null }> {
      const em = fork();
      return holding(
        input.terminalId,
        async ({ terminal, client }) => {
          try {
            const info = await client.deviceInfo();
            const caps = await client.capabilities();
            await terminalUtcOffset(em, terminal, client, { refresh: true });
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
        em,
      );
    },

    /**
     * Upsert by employeeNo = ci (reference §2.7: Record, and on employeeNoAlreadyExist compare and
     * Modify only if different), and make sure a sync keeps the person there.
     */
    async ensureTerminalUser(input: { terminalId: string; ci: string }): Promise<{ action: 'added' | 'updated' | 'unchanged'; faceUpload: boolean; faceCapture: boolean }> {
      return acting(async () => {
        const em = fork();
        return holding(
          input.terminalId,
          async ({ terminal, client }) => {
            const person = await em.findOne(Person, { ci: input.ci });
            if (person === null) throw new PersonMissingError(input.ci);
            const rule = { validityDays: deps.validityDays, utcOffsetMinutes: await terminalUtcOffset(em, terminal, client) };
            const wanted = (await desiredTerminalUsers(em, input.terminalId, rule, [input.ci]))[0];
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
                rule,
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
          },
          em,
        );
      });
    },

    /**
     * Seed 002 step 2, before the terminal is asked: the attempt's row, `waiting`, owned by this workflow run — so a
     * cancel, from the API or the workflow, always finds it, even while the terminal holds the request.
     */
    async openTerminalCapture(input: { terminalId: string; ci?: string }): Promise<{ captureId: string }> {
      return acting(async () => {
        const em = fork();
        if ((await em.count(Terminal, { id: input.terminalId })) === 0) throw new TerminalMissingError(input.terminalId);
        return { captureId: await openCapture(em, { terminalId: input.terminalId, ci: input.ci ?? null, runId: currentRunId() }) };
      });
    },

    /**
     * Seed 002 step 2: the terminal waits for a face; the picture is copied into the attempt's row — only while it
     * is still waiting. Cancellation reaches an activity only with a heartbeat's answer, and the terminal may answer
     * first, so the row decides: a picture that arrives after the cancel is dropped, and a cancel seen in the row
     * stops the waiting at once. The picture becomes nobody's photo here (adoptCapturedPhoto, after the bind).
     * Without `captureId` (histories from before capture rows) the row is opened here.
     */
    async captureTerminalFace(input: { terminalId: string; ci?: string; timeoutMs: number; captureId?: string }): Promise<CaptureTerminalFaceResult> {
      return acting(async () => {
        // Not held for the whole capture: it waits for a person for up to minutes, and between its re-POSTs
        // (§2.3: every 2–5 s) other work may use the terminal; each of its requests holds the terminal for itself.
        const { client } = await connect(input.terminalId);
        const captureId = input.captureId ?? (await openCapture(fork(), { terminalId: input.terminalId, ci: input.ci ?? null, runId: currentRunId() }));
        const before = await captureState(fork(), captureId);
        // A retry after an attempt that kept the picture but could not report it (STYLE 9: never capture twice).
        if (before?.state === 'captured' && before.faceDataUrl !== null) return { captureId, faceDataUrl: before.faceDataUrl };
        if (before?.state !== 'waiting') throw new CaptureWithdrawnError(captureId, `is ${before?.state ?? 'missing'}, not waiting for a face`);
        const withdrawn = new AbortController();
        const cancelled = cancellationSignal();
        const signal = cancelled === undefined ? withdrawn.signal : AbortSignal.any([cancelled, withdrawn.signal]);
        const beating = setInterval(() => {
          heartbeat({ waiting: true });
          captureState(fork(), captureId).then(
            (now) => now?.state !== 'waiting' && withdrawn.abort(new CaptureWithdrawnError(captureId)),
            () => undefined,
          );
        }, 1_000);
        let faceDataUrl: string;
        let jpeg: Buffer;
        try {
          faceDataUrl = (await client.captureFace({ timeoutMs: input.timeoutMs, pollIntervalMs: deps.capturePollMs, signal })).faceDataUrl;
          jpeg = await client.fetchPicture(faceDataUrl, signal);
        } catch (e) {
          if (withdrawn.signal.aborted) throw withdrawn.signal.reason;
          if (e instanceof IsapiError && e.kind === 'noFaceCaptured') await markCaptureFailed(fork(), captureId);
          throw e;
        } finally {
          clearInterval(beating);
        }
        if (!(await recordCapturedPicture(fork(), { captureId, faceDataUrl, jpeg }))) throw new CaptureWithdrawnError(captureId);
        return { captureId, faceDataUrl };
      });
    },

    /**
     * Seed 002 step 3: FDSetUp with the terminal's own URL of the captured picture. Only a `captured` capture of this
     * person (or of nobody) is bound, claimed for this run first; one withdrawn while the terminal was binding it is
     * taken off the terminal again.
     */
    async bindCapturedFace(input: { terminalId: string; ci: string; captureId: string }): Promise<{ faceDataUrl: string }> {
      return acting(async () => {
        const runId = currentRunId();
        const faceDataUrl = await claimCaptureForBinding(fork(), { ...input, runId });
        if (faceDataUrl === null) throw new CaptureWithdrawnError(input.captureId, 'is not there to bind: withdrawn, already used, another person\'s or never captured');
        await holding(input.terminalId, async ({ client }) => {
          await client.bindFaceUrl(input.ci, faceDataUrl);
          if (!(await markCaptureBound(fork(), { captureId: input.captureId, runId }))) {
            await client.deleteFaces([input.ci]);
            throw new CaptureWithdrawnError(input.captureId);
          }
        });
        await recordState(deps.orm, input.terminalId, input.ci, { faceBound: true, faceMethod: 'capture', facePhotoVersion: null });
        return { faceDataUrl };
      });
    },

    /**
     * A bound and verified capture becomes the person's photo when they have none, through the usual intake checks —
     * only now, never at capture time, so a cancelled or unbound capture is nobody's photo.
     */
    async adoptCapturedPhoto(input: { ci: string; captureId: string }): Promise<{ storedAsPhoto: boolean }> {
      const em = fork();
      const jpeg = await boundCapturePicture(em, input.captureId);
      const person = await em.findOne(Person, { ci: input.ci });
      if (jpeg === null || person === null || (person.photoVersion !== null && person.photoVersion !== undefined)) return { storedAsPhoto: false };
      try {
        await storePersonPhoto(em, deps.photos, person, jpeg);
        return { storedAsPhoto: true };
      } catch (e) {
        if (e instanceof PhotoInputError) return { storedAsPhoto: false };
        throw e;
      }
    },

    /**
     * A cancelled enrolment's captures — those of its run and those it was given — are withdrawn: never stored, bound
     * or offered again; one it was binding or had bound is taken off the terminal.
     */
    async withdrawTerminalCaptures(input: { terminalId: string; captureIds: string[] }): Promise<{ withdrawn: number }> {
      return acting(async () => {
        const runId = currentRunId();
        const withdrawn = await holding(input.terminalId, ({ client }) =>
          withdrawCaptures(fork(), { runId, captureIds: input.captureIds }, (cis) => client.deleteFaces(cis)),
        );
        return { withdrawn };
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
        // FDSetUp adds or replaces (§2.3): a retried upload cannot fail on "face exists".
        await holding(input.terminalId, ({ client }) => client.replaceFace(input.ci, jpeg));
        await recordState(deps.orm, input.terminalId, input.ci, { faceBound: true, faceMethod: 'upload', facePhotoVersion: photo.version });
        return { photoVersion: photo.version };
      });
    },

    /** FDSearch by FPID: is a face bound to this employeeNo now? */
    async verifyTerminalFace(input: { terminalId: string; ci: string }): Promise<{ faceBound: boolean }> {
      return acting(async () => {
        const found = await holding(input.terminalId, ({ client }) => client.searchFaces({ fpid: input.ci, maxResults: 1 }));
        const faceBound = found.items.some((f) => f.FPID === input.ci);
        return { faceBound };
      });
    },

    async recordTerminalEnrolment(input: { terminalId: string; ci: string; result: string; message: string; faceBound: boolean }): Promise<void> {
      await recordState(deps.orm, input.terminalId, input.ci, { lastResult: input.result, lastMessage: input.message, faceBound: input.faceBound });
    },

    async planTerminalSync(input: { terminalId: string; runKey: string; mode: 'incremental' | 'full'; prune?: TerminalPrune }): Promise<{ total: number }> {
      return acting(async () => {
        const em = fork();
        return holding(
          input.terminalId,
          async ({ terminal, client }) => {
            // A full sync reads the terminal anyway: its zone is read afresh too (a daylight-saving change).
            const utcOffsetMinutes = await terminalUtcOffset(em, terminal, client, { refresh: input.mode === 'full' });
            const rule = { validityDays: deps.validityDays, utcOffsetMinutes };
            return planTerminalSync(em, { ...input, prune: input.prune ?? 'managed', terminal, client, rule });
          },
          em,
        );
      });
    },

    async applyTerminalOps(input: { terminalId: string; runKey: string; afterSeq: number; limit: number; pacingMs: number; lastWriteAtMs?: number | null }) {
      return acting(async () => {
        // One hold for the whole batch: its calls follow each other with no lock round trips between them.
        return holding(input.terminalId, ({ terminal, client }) => {
          // The zone the plan used (stored with the terminal), so the windows the plan compared are the ones written.
          const rule = { validityDays: deps.validityDays, utcOffsetMinutes: terminal.utcOffsetMinutes ?? null };
          return applyTerminalOps(fork(), deps, { ...input, rule, terminal, client });
        });
      });
    },
  };
}

export type TerminalActivities = ReturnType<typeof createTerminalActivities>;
