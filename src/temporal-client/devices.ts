import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import type { SignalDefinition } from '@temporalio/workflow';
import type { TemporalContext } from './temporal-context';
import type { deviceCommand } from '../workflows/devices/device-command.workflow';
import {
  DeviceWorkflow,
  deviceCommandWorkflowId,
  deviceFullResyncWorkflowId,
  deviceQueueChangedSignal,
  deviceResyncProgressQuery,
  deviceResyncSignal,
  deviceSyncProgressQuery,
  deviceSyncWorkflowId,
  isDeviceCommandOf,
  type DeviceCommandInput,
  type DeviceResyncProgress,
  type DeviceSyncInput,
  type DeviceSyncProgress,
  type ResyncReason,
} from '../contracts/devices';

/** Defaults for a device's entity workflow, from config (DEVICE_BUSY_PAUSE_MS …). */
export type DeviceSyncDefaults = Omit<DeviceSyncInput, 'deviceId' | 'carried'>;

export interface DeviceSyncStarter {
  temporal: Client;
  taskQueue: string;
  defaults: DeviceSyncDefaults;
}

/** What waking a device's entity workflow needs beyond the Temporal context: the defaults it is started with. */
export interface DeviceTemporalContext extends TemporalContext {
  deviceSync: DeviceSyncDefaults;
}

const starterOf = (t: DeviceTemporalContext): DeviceSyncStarter => ({
  temporal: t.client,
  taskQueue: t.queues.devices,
  defaults: t.deviceSync,
});

/**
 * Signals the device's long-lived `deviceSync` workflow, starting it if it is not running (signalWithStart):
 * the gateway (presence, checks, queue notifications) and the API (resync, new device) both wake it this way.
 */
export async function signalDeviceSync<A extends unknown[]>(
  s: DeviceSyncStarter,
  deviceId: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- SignalDefinition's own constraint
  signal: SignalDefinition<A & any[]>,
  ...args: A
): Promise<void> {
  const input: DeviceSyncInput = { deviceId, ...s.defaults };
  await s.temporal.workflow.signalWithStart<(input: DeviceSyncInput) => Promise<void>, unknown[]>(DeviceWorkflow.deviceSync, {
    taskQueue: s.taskQueue,
    workflowId: deviceSyncWorkflowId(deviceId),
    args: [input],
    signal: signal.name,
    signalArgs: args,
  });
}

/** The device's queue changed (people assigned or removed, a device registered): its sync pushes what is queued. */
export const wakeDeviceSync = (t: DeviceTemporalContext, deviceId: string): Promise<void> =>
  signalDeviceSync(starterOf(t), deviceId, deviceQueueChangedSignal);

/** Whether the device's full resync (a child of its entity workflow) is running, and under which id. */
export async function deviceFullResyncStatus(
  t: TemporalContext,
  deviceId: string,
): Promise<{ workflowId: string; running: boolean }> {
  const workflowId = deviceFullResyncWorkflowId(deviceId);
  try {
    const d = await t.client.workflow.getHandle(workflowId).describe();
    return { workflowId, running: d.status.name === 'RUNNING' };
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return { workflowId, running: false };
    throw e;
  }
}

/**
 * Asks the device's entity workflow for a full resync, which it runs as its child; answers both ids, so the caller
 * can follow the resync and the sync that owns it.
 */
export async function requestDeviceFullResync(
  t: DeviceTemporalContext,
  deviceId: string,
  reason: ResyncReason,
): Promise<{ workflowId: string; syncWorkflowId: string }> {
  await signalDeviceSync(starterOf(t), deviceId, deviceResyncSignal, { reason });
  return { workflowId: deviceFullResyncWorkflowId(deviceId), syncWorkflowId: deviceSyncWorkflowId(deviceId) };
}

/**
 * Asked only of a running workflow, null otherwise: what a closed run did is in the database, and a query on it
 * would have a worker replay its whole history to answer.
 */
async function queryIfRunning<T>(t: TemporalContext, workflowId: string, query: QueryDefinition<T>): Promise<T | null> {
  try {
    const h = t.client.workflow.getHandle(workflowId);
    if ((await h.describe()).status.name !== 'RUNNING') return null;
    return await h.query(query);
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return null;
    throw e;
  }
}

/** The incremental sync's progress, while the device's entity workflow runs. */
export const deviceSyncProgress = (t: TemporalContext, deviceId: string): Promise<DeviceSyncProgress | null> =>
  queryIfRunning(t, deviceSyncWorkflowId(deviceId), deviceSyncProgressQuery);

/** The full resync's progress, while it runs. */
export const deviceResyncProgress = (t: TemporalContext, deviceId: string): Promise<DeviceResyncProgress | null> =>
  queryIfRunning(t, deviceFullResyncWorkflowId(deviceId), deviceResyncProgressQuery);

export type DeviceCommandHandle = WorkflowHandleWithFirstExecutionRunId<typeof deviceCommand>;

/**
 * Starts one device command (§8, §10, §14) as a short workflow. Each command has its own id (a fresh nonce): two
 * admins changing a door's settings each get their own answer.
 */
export async function startDeviceCommand(t: TemporalContext, input: DeviceCommandInput, nonce: string): Promise<DeviceCommandHandle> {
  return t.client.workflow.start<typeof deviceCommand>(DeviceWorkflow.deviceCommand, {
    taskQueue: t.queues.devices,
    workflowId: deviceCommandWorkflowId(input.deviceId, input.kind, nonce),
    args: [input],
  });
}

/**
 * Ends every workflow of a deleted device: its entity workflow, its full resync (also ended by the parent's close
 * policy), and the one-off commands still running. Already-closed or unknown workflows are fine.
 */
export async function terminateDeviceWorkflows(t: TemporalContext, deviceId: string, reason: string): Promise<void> {
  const ids = [deviceSyncWorkflowId(deviceId), deviceFullResyncWorkflowId(deviceId)];
  const commands = t.client.workflow.list({ query: `WorkflowType = '${DeviceWorkflow.deviceCommand}' AND ExecutionStatus = 'Running'` });
  for await (const w of commands) {
    if (isDeviceCommandOf(w.workflowId, deviceId)) ids.push(w.workflowId);
  }
  for (const id of ids) {
    try {
      await t.client.workflow.getHandle(id).terminate(reason);
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e;
    }
  }
}
