/**
 * Messages, inputs, results and ids of the cloud-device processes (seed 003). The API, the gateway and
 * the tests import from here, never from workflow bodies (STYLE §5). Deterministic: only @temporalio/workflow.
 * Nothing here carries a secret, a feature template or image bytes: device ids, user ids, counters and row ids.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** Failure types raised by device activities; workflows branch on them (STYLE §8). */
export const DeviceFailureType = {
  /** No answer within the request budget (§1: "the response is not guaranteed"): retried with backoff. */
  DeviceNoAnswer: 'DeviceNoAnswer',
  /** The gateway is not connected to the broker: retried. */
  DeviceGatewayDown: 'DeviceGatewayDown',
  /** What we tried to send violates the protocol schema: a bug, never retried. */
  DeviceInvalidCommand: 'DeviceInvalidCommand',
  /** The device was deleted from the registry. */
  DeviceGone: 'DeviceGone',
  /** The device answered a configuration command with a non-zero code (§10, §14). */
  DeviceRefused: 'DeviceRefused',
  /** Another full resync replaced this one. */
  ResyncSuperseded: 'ResyncSuperseded',
} as const;
export type DeviceFailureType = (typeof DeviceFailureType)[keyof typeof DeviceFailureType];

// ---------------------------------------------------------------- pushing (activity results)

/**
 * How a push activity stopped: the queue is empty / the task is done, its time budget ran out (`more`), or the
 * device said something the workflow must act on (§1 codes 1 and 2, offline). `noProgress` = code 0 with
 * `sync_size` 0 for a non-empty batch; treated like busy so a confused device is not hammered.
 */
export type DevicePushOutcome = 'drained' | 'completed' | 'more' | 'offline' | 'busy' | 'capacityFull' | 'noProgress' | 'deviceGone';

export interface DevicePushCounts {
  /** user_sync messages answered. */
  batches: number;
  /** Entries the device acknowledged (sum of `sync_size`). */
  applied: number;
  /** Answers whose `sync_size` was below the batch: the tail went again. */
  partial: number;
}

export interface DevicePushResult {
  outcome: DevicePushOutcome;
  counts: DevicePushCounts;
  /** Distinct users still queued for the device (incremental only). */
  queued?: number;
}

export interface ResyncPushResult extends DevicePushResult {
  total: number;
  sent: number;
}

// ---------------------------------------------------------------- deviceSync: one entity workflow per device

export type DeviceSyncState = 'starting' | 'idle' | 'pushing' | 'pausedBusy' | 'waitingOnline' | 'resyncing' | 'stopped';

export type ResyncReason = 'manual' | 'checkMismatch' | 'checkAnomaly';

export interface DeviceSyncCounters {
  batches: number;
  applied: number;
  partial: number;
  busyPauses: number;
  capacityFull: number;
  offlineWaits: number;
  resyncs: number;
  checks: { consistent: number; mismatch: number; ignoredPending: number; mismatchCapacityFull: number };
}

export interface DeviceSyncCarried {
  counters: DeviceSyncCounters;
  online: boolean | null;
  pendingChecks: PendingCheck[];
  resync: { reason: ResyncReason; clearQueue: boolean } | null;
  continuedAsNew: number;
}

export interface PendingCheck {
  checkId: string;
  /** A push was in flight (or a resync ran) when it arrived: the comparison would be meaningless (§2). */
  stale: boolean;
}

export interface DeviceSyncInput {
  deviceId: string;
  /** §1 code 2: "resume after a fixed wait (suggested 5 minutes)". */
  busyPauseMs?: number;
  /** A push activity returns after this long so queries and signals stay responsive. */
  pushBudgetMs?: number;
  /** While idle, look at the queue anyway this often (a lost notification heals itself). */
  idleRecheckMs?: number;
  /** While waiting for the device to come online, look at its state this often. */
  offlineRecheckMs?: number;
  continueAsNewAfterEvents?: number;
  carried?: DeviceSyncCarried;
}

export interface DeviceSyncProgress {
  deviceId: string;
  state: DeviceSyncState;
  online: boolean | null;
  counters: DeviceSyncCounters;
  queued: number | null;
  pausedUntil: string | null;
  lastError: string | null;
  resync: { workflowId: string; reason: ResyncReason } | null;
  continuedAsNew: number;
}

export const deviceSyncWorkflowId = (deviceId: string): string => `device-sync:${deviceId}`;

/** The queue of this device changed (NOTIFY from the person/assignment triggers, or the API). */
export const deviceQueueChangedSignal = defineSignal('deviceQueueChanged');
/** Presence seen by the embedded broker, or a first message through an external one (§1 "when the device is detected offline, pause its sync"). */
export const devicePresenceSignal = defineSignal<[{ online: boolean; at: string }]>('devicePresence');
/** A `user_sync_check` was stored with this row id (§2). */
export const deviceSyncCheckSignal = defineSignal<[{ checkId: string }]>('deviceSyncCheck');
/** Run a full resync (the API's POST /resync). */
/**
 * The §2 `user_sync_check` reason as `evaluateSyncCheck` hands it to the workflow: 0 routine, 1 a local data
 * anomaly. The wire's numbers (SYNC_CHECK_REASON in targets/devices/protocol/messages.ts), repeated here because
 * workflows and contracts may not import targets.
 */
export const SyncCheckReason = { routine: 0, anomaly: 1 } as const;

export const deviceResyncSignal = defineSignal<[{ reason: ResyncReason }]>('deviceResync');
export const deviceSyncProgressQuery = defineQuery<DeviceSyncProgress>('deviceSyncProgress');

// ---------------------------------------------------------------- deviceFullResync: child of deviceSync

export interface DeviceFullResyncInput {
  deviceId: string;
  reason: ResyncReason;
  /** §2: with `reason: 1` and a mismatch the queued pushes are cleared first. */
  clearQueue: boolean;
  busyPauseMs?: number;
  pushBudgetMs?: number;
  offlineRecheckMs?: number;
}

export type DeviceResyncState = 'starting' | 'running' | 'pausedBusy' | 'waitingOnline' | 'completed' | 'capacityFull';

export interface DeviceResyncProgress {
  deviceId: string;
  reason: ResyncReason;
  runKey: string;
  state: DeviceResyncState;
  total: number;
  sent: number;
  percent: number;
  counts: DevicePushCounts;
  busyPauses: number;
  pausedUntil: string | null;
}

export type DeviceResyncResult = Omit<DeviceResyncProgress, 'pausedUntil'>;

export const deviceFullResyncWorkflowId = (deviceId: string): string => `device-full-resync:${deviceId}`;
export const deviceResyncProgressQuery = defineQuery<DeviceResyncProgress>('deviceResyncProgress');

// ---------------------------------------------------------------- one-off commands (§8, §10, §14)

export type DeviceCommandInput =
  | { deviceId: string; kind: 'openingHours'; times: { day: number[]; time_begin: string; time_end: string }[] }
  | { deviceId: string; kind: 'properties'; properties: { property: string; value: string; ext_value?: string }[] }
  | { deviceId: string; kind: 'checkinUpload'; days: number };

export interface DeviceCommandResult {
  deviceId: string;
  kind: DeviceCommandInput['kind'];
  /** The device's answer code (0 ok); null for checkin_upload, which has no answer (§8). */
  code: number | null;
  msg: string | null;
}

export const deviceCommandWorkflowId = (deviceId: string, kind: DeviceCommandInput['kind'], nonce: string): string =>
  `device-command:${deviceId}:${kind}:${nonce}`;
/** Whether a workflow id is one of this device's commands (ids may contain ':', so the tail must be `kind:nonce`). */
export const isDeviceCommandOf = (workflowId: string, deviceId: string): boolean => {
  const prefix = `device-command:${deviceId}:`;
  return workflowId.startsWith(prefix) && /^[A-Za-z]+:[^:]+$/.test(workflowId.slice(prefix.length));
};

/** The device workflow type names, written once (replay.test.ts holds histories under these names). */
export const DeviceWorkflow = {
  deviceSync: 'deviceSync',
  deviceFullResync: 'deviceFullResync',
  deviceCommand: 'deviceCommand',
} as const;
