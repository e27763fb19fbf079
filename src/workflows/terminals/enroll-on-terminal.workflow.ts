import { ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, patched, setHandler } from '@temporalio/workflow';
import { failureInfo } from '../failure-info';
import {
  TerminalFailureType,
  enrollProgressQuery,
  type EnrollOnTerminalInput,
  type EnrollOnTerminalResult,
  type EnrollProgress,
} from '../../contracts';
import { terminalCall, terminalCapture, terminalDb, terminalPhoto } from '../activity-profiles';
import { TERMINAL_CAPTURE_LIFECYCLE } from '../patches';

const DEFAULT_CAPTURE_TIMEOUT_MS = 30_000;
const DEFAULT_CAPTURE_ATTEMPTS = 2;

/**
 * One person onto one terminal (seed 002): make sure the user exists (employeeNo = ci), then bind a
 * face captured at the terminal — the seed's only working way on its model — or upload the
 * normalised photo where the terminal takes uploads; `auto` asks the terminal's capabilities. Ends
 * by checking the face is bound; only then does a captured face become the person's photo.
 * Cancelling — until the face is verified — stops a capture that is waiting and withdraws the run's
 * captures: a face shown after the cancel is not stored, bound, or offered to sync-to-device, and
 * one the terminal was binding is taken off again.
 */
export async function enrollOnTerminal(input: EnrollOnTerminalInput): Promise<EnrollOnTerminalResult> {
  const progress: EnrollProgress = { ci: input.ci, terminalId: input.terminalId, stage: 'starting', message: 'starting', method: null, captureAttempt: 0 };
  setHandler(enrollProgressQuery, () => ({ ...progress }));
  const at = (stage: EnrollProgress['stage'], message: string) => Object.assign(progress, { stage, message });
  const tracked = patched(TERMINAL_CAPTURE_LIFECYCLE);
  let userAction: EnrollOnTerminalResult['userAction'] = null;
  let faceDataUrl: string | undefined;
  let boundCapture: string | undefined;
  /** The captures this run opened or was given: withdrawn if it is cancelled. */
  const captures: string[] = input.captureId !== undefined ? [input.captureId] : [];

  try {
    at('ensuringUser', 'creating the user on the terminal');
    const ensured = await terminalCall.ensureTerminalUser({ terminalId: input.terminalId, ci: input.ci });
    userAction = ensured.action;
    const method: 'capture' | 'upload' =
      input.captureId !== undefined ? 'capture' : input.method === 'auto' ? (ensured.faceUpload ? 'upload' : 'capture') : input.method;
    progress.method = method;

    if (method === 'upload') {
      at('uploading', 'uploading the photo to the terminal');
      await terminalCall.uploadTerminalFace({ terminalId: input.terminalId, ci: input.ci });
    } else {
      let captureId = input.captureId;
      const attempts = input.captureAttempts ?? DEFAULT_CAPTURE_ATTEMPTS;
      for (let attempt = 1; captureId === undefined; attempt++) {
        progress.captureAttempt = attempt;
        at('waitingForFace', 'present your face to the terminal');
        try {
          const opened = tracked ? (await terminalDb.openTerminalCapture({ terminalId: input.terminalId, ci: input.ci })).captureId : undefined;
          if (opened !== undefined) captures.push(opened);
          const c = await terminalCapture.captureTerminalFace({
            terminalId: input.terminalId,
            ci: input.ci,
            timeoutMs: input.captureTimeoutMs ?? DEFAULT_CAPTURE_TIMEOUT_MS,
            captureId: opened,
          });
          captureId = c.captureId;
        } catch (e) {
          if (attempt < attempts && failureType(e) === TerminalFailureType.NoFaceCaptured) continue;
          throw e;
        }
      }
      at('binding', 'binding the captured face to the user');
      faceDataUrl = (await terminalCall.bindCapturedFace({ terminalId: input.terminalId, ci: input.ci, captureId })).faceDataUrl;
      boundCapture = captureId;
    }

    at('verifying', 'checking the terminal shows the face bound');
    const { faceBound } = await terminalCall.verifyTerminalFace({ terminalId: input.terminalId, ci: input.ci });
    const message = faceBound ? `enrolled with a face by ${method}` : 'the terminal does not show the face bound';
    at(faceBound ? 'done' : 'failed', message);
    const finish = async (): Promise<EnrollOnTerminalResult> => {
      if (tracked && faceBound && boundCapture !== undefined) await terminalPhoto.adoptCapturedPhoto({ ci: input.ci, captureId: boundCapture });
      await terminalDb.recordTerminalEnrolment({ terminalId: input.terminalId, ci: input.ci, result: faceBound ? 'enrolled' : 'faceMissing', message, faceBound });
      return { ci: input.ci, terminalId: input.terminalId, outcome: faceBound ? 'enrolled' : 'failed', method, userAction, faceBound, faceDataUrl, message };
    };
    // Verified: the enrolment is done, and a cancel arriving now is too late to undo it.
    return await (tracked ? CancellationScope.nonCancellable(finish) : finish());
  } catch (e) {
    const cancelled = isCancellation(e);
    const message = cancelled ? 'cancelled' : failureMessage(e);
    at('failed', message);
    await CancellationScope.nonCancellable(async () => {
      if (cancelled && tracked) await terminalCall.withdrawTerminalCaptures({ terminalId: input.terminalId, captureIds: captures });
      await terminalDb.recordTerminalEnrolment({ terminalId: input.terminalId, ci: input.ci, result: cancelled ? 'cancelled' : 'failed', message, faceBound: false });
    });
    // Cancellation and bad credentials end the workflow as such (visible in the Web UI); the rest is an outcome.
    if (cancelled || failureType(e) === TerminalFailureType.TerminalAuth || !(e instanceof ActivityFailure)) throw e;
    return { ci: input.ci, terminalId: input.terminalId, outcome: 'failed', method: progress.method, userAction, faceBound: false, message };
  }
}

const failureType = (e: unknown): string => failureInfo(e).type;

function failureMessage(e: unknown): string {
  if (e instanceof ActivityFailure && e.cause instanceof Error) return `${e.cause instanceof ApplicationFailure ? failureInfo(e).type : 'failed'}: ${e.cause.message}`;
  return e instanceof Error ? e.message : String(e);
}
