import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApiDeps } from '../../deps';
import { HttpError } from '../../http-errors';
import { waitForWorkflow, workflowFailureText } from '../../workflow-wait';
import { DeviceWorkflow, deviceCommandWorkflowId, type DeviceCommandInput, type DeviceCommandResult } from '../../../contracts';
import type { deviceCommand } from '../../../workflows/devices/device-command.workflow';

/** Runs one device command (§8, §10, §14) as a short workflow and waits for the device's answer. */
export async function runDeviceCommand(deps: ApiDeps, input: DeviceCommandInput): Promise<DeviceCommandResult> {
  const workflowId = deviceCommandWorkflowId(input.deviceId, input.kind, randomUUID().slice(0, 8));
  const waitMs = deps.devices?.commandTimeoutMs ?? 60_000;
  try {
    const run = deps.temporal.workflow.execute<typeof deviceCommand>(DeviceWorkflow.deviceCommand, { taskQueue: deps.queues.devices, workflowId, args: [input] });
    return await waitForWorkflow(run, waitMs, workflowId, `no answer from the device within ${waitMs} ms; follow workflow ${workflowId}`);
  } catch (e) {
    if (e instanceof WorkflowFailedError) throw new HttpError(502, `the device did not answer: ${workflowFailureText(e)}`, { workflowId });
    throw e;
  }
}
