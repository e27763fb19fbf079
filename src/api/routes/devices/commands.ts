import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApiDeps } from '../../deps';
import { HttpError } from '../../http-errors';
import { temporalOf } from '../../temporal-of';
import { waitForWorkflow, workflowFailureText } from '../../workflow-wait';
import type { DeviceCommandInput, DeviceCommandResult } from '../../../contracts';
import { startDeviceCommand } from '../../../temporal-client/devices';

/** Runs one device command (§8, §10, §14) as a short workflow and waits for the device's answer. */
export async function runDeviceCommand(deps: ApiDeps, input: DeviceCommandInput): Promise<DeviceCommandResult> {
  const waitMs = deps.devices?.commandTimeoutMs ?? 60_000;
  const handle = await startDeviceCommand(temporalOf(deps), input, randomUUID().slice(0, 8));
  const { workflowId } = handle;
  try {
    return await waitForWorkflow(handle.result(), waitMs, workflowId, `no answer from the device within ${waitMs} ms; follow workflow ${workflowId}`);
  } catch (e) {
    if (e instanceof WorkflowFailedError) throw new HttpError(502, `the device did not answer: ${workflowFailureText(e)}`, { workflowId });
    throw e;
  }
}
