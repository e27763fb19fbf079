import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/workflow';
import {
  DeviceWorkflow,
  deviceFullResyncWorkflowId,
  deviceSyncWorkflowId,
  isDeviceCommandOf,
  type DeviceSyncInput,
} from '../contracts/devices';

/** Defaults for a device's entity workflow, from config (DEVICE_BUSY_PAUSE_MS …). */
export type DeviceSyncDefaults = Omit<DeviceSyncInput, 'deviceId' | 'carried'>;

export interface DeviceSyncStarter {
  temporal: Client;
  taskQueue: string;
  defaults: DeviceSyncDefaults;
}

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

/**
 * Ends every workflow of a deleted device: its entity workflow, its full resync (also ended by the parent's close
 * policy), and the one-off commands still running. Already-closed or unknown workflows are fine.
 */
export async function terminateDeviceWorkflows(temporal: Client, deviceId: string, reason: string): Promise<void> {
  const ids = [deviceSyncWorkflowId(deviceId), deviceFullResyncWorkflowId(deviceId)];
  const commands = temporal.workflow.list({ query: `WorkflowType = '${DeviceWorkflow.deviceCommand}' AND ExecutionStatus = 'Running'` });
  for await (const w of commands) {
    if (isDeviceCommandOf(w.workflowId, deviceId)) ids.push(w.workflowId);
  }
  for (const id of ids) {
    try {
      await temporal.workflow.getHandle(id).terminate(reason);
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e;
    }
  }
}
