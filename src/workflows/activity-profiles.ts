import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DeviceFailureType, FailureType, TerminalFailureType } from '../contracts';

/** Named activity profiles (STYLE §2): one proxy per kind of work. */

/** A call to HikCentral on behalf of one admin request: transient answers (busy included) retried with backoff. */
export const targetCall = proxyActivities<Pick<Activities, 'syncPerson' | 'applyHikCentralChanges'>>({
  startToCloseTimeout: '60s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '60s',
    maximumAttempts: 6,
    nonRetryableErrorTypes: [FailureType.PhotoRejected, FailureType.TargetPermanent, FailureType.PersonNotFound, FailureType.NoPhoto],
  },
});

/**
 * A call to HikCentral inside a bulk run: overload (TargetBusy) is not retried here — the workflow
 * pauses the whole run instead — and other transient answers get a few quick attempts.
 */
export const bulkTargetCall = proxyActivities<Pick<Activities, 'syncPerson'>>({
  startToCloseTimeout: '60s',
  retry: {
    initialInterval: '500ms',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [
      FailureType.TargetBusy,
      FailureType.PhotoRejected,
      FailureType.TargetPermanent,
      FailureType.PersonNotFound,
      FailureType.NoPhoto,
    ],
  },
});

/**
 * Decoding and checking photos: minutes per batch, heartbeating so a retry resumes where it stopped. A dump that
 * cannot be imported at all (corrupt zip, entry outside its folder, folder gone) fails the same way every time.
 */
export const photoWork = proxyActivities<Pick<Activities, 'importPhotoBatch' | 'countImportEntries'>>({
  startToCloseTimeout: '15m',
  // A chunk of ten photos takes a few seconds; a worker that died is noticed within this.
  heartbeatTimeout: '20s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '60s',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [FailureType.ImportSourceInvalid],
  },
});

/**
 * One uploaded photo through intake, for an admin waiting on the answer: a few seconds of image work. Refusals are
 * results, not failures; what fails (the database, a worker that died) is tried again a few times.
 */
export const photoIntake = proxyActivities<Pick<Activities, 'intakePersonPhoto' | 'comparePersonPhotos'>>({
  startToCloseTimeout: '2m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    maximumAttempts: 5,
    // HikCentral's own refusals (the comparison reads its photo) are answers, not outages.
    nonRetryableErrorTypes: [FailureType.TargetPermanent, FailureType.PhotoRejected],
  },
});

export const dbWork = proxyActivities<
  Pick<
    Activities,
    'recordPersonOutcome' | 'careerExists' | 'countPeople' | 'peoplePage' | 'openSyncRun' | 'updateSyncRun' | 'updatePhotoImport'
  >
>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

const TERMINAL_FINAL = [
  TerminalFailureType.TerminalAuth,
  TerminalFailureType.TerminalPermanent,
  TerminalFailureType.TerminalNotFound,
  TerminalFailureType.NoFaceCaptured,
  TerminalFailureType.PhotoNotUsable,
  TerminalFailureType.CaptureWithdrawn,
];

/**
 * One ISAPI call for one person. Busy and transient answers are retried with backoff (busy after
 * the ~15 s the terminal asks for); bad credentials never are (reference §2.1: login lockout).
 */
export const terminalCall = proxyActivities<
  Pick<
    Activities,
    'probeTerminal' | 'ensureTerminalUser' | 'bindCapturedFace' | 'uploadTerminalFace' | 'verifyTerminalFace' | 'withdrawTerminalCaptures'
  >
>({
  startToCloseTimeout: '60s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 6, nonRetryableErrorTypes: TERMINAL_FINAL },
});

/** A face capture: the workflow decides about further attempts, the activity heartbeats while it waits. */
export const terminalCapture = proxyActivities<Pick<Activities, 'captureTerminalFace'>>({
  startToCloseTimeout: '3m',
  // Short: cancellation reaches an activity with a heartbeat's answer, and heartbeats are throttled to 80% of this.
  heartbeatTimeout: '5s',
  retry: { maximumAttempts: 2, initialInterval: '1s', nonRetryableErrorTypes: TERMINAL_FINAL },
});

/** Planning and applying a terminal sync: long, heartbeating; a busy terminal is returned, not thrown. */
export const terminalBulk = proxyActivities<Pick<Activities, 'planTerminalSync' | 'applyTerminalOps'>>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '60s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '60s', maximumAttempts: 10, nonRetryableErrorTypes: TERMINAL_FINAL },
});

export const terminalDb = proxyActivities<Pick<Activities, 'recordTerminalEnrolment' | 'openTerminalCapture'>>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: [TerminalFailureType.TerminalNotFound] },
});

/** A captured face through the photo checks (face analysis on CPU): longer than a database write, a few attempts. */
export const terminalPhoto = proxyActivities<Pick<Activities, 'adoptCapturedPhoto'>>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3 },
});

/**
 * Pushing to a cloud device: heartbeating loops of many batches. "No answer → resend with backoff
 * until acknowledged" (§1): no attempt limit, backoff up to a minute; a device that went offline meanwhile makes
 * the next attempt return `offline`, and the workflow waits for it instead.
 */
export const devicePush = proxyActivities<Pick<Activities, 'pushDeviceQueue' | 'pushFullResync'>>({
  startToCloseTimeout: '15m',
  // A batch answers within the request budget and acknowledgements are flushed every 250 ms.
  heartbeatTimeout: '10s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '60s',
    nonRetryableErrorTypes: [DeviceFailureType.DeviceInvalidCommand, DeviceFailureType.DeviceGone, DeviceFailureType.ResyncSuperseded],
  },
});

export const deviceDb = proxyActivities<
  Pick<Activities, 'loadDeviceSyncState' | 'beginFullResync' | 'finishFullResync' | 'evaluateSyncCheck'>
>({
  startToCloseTimeout: '60s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: [DeviceFailureType.DeviceGone] },
});

/** One configuration command for an admin waiting on the API: a few attempts, then the admin hears about it. */
export const deviceCommand = proxyActivities<Pick<Activities, 'sendDeviceCommand'>>({
  startToCloseTimeout: '60s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumAttempts: 3,
    nonRetryableErrorTypes: [DeviceFailureType.DeviceInvalidCommand, DeviceFailureType.DeviceGone],
  },
});
