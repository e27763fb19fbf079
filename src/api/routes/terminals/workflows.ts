import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { ApiDeps } from '../../deps';
import { HttpError, conflict } from '../../http-errors';
import { waitForWorkflow, workflowFailureText } from '../../workflow-wait';
import type { readTerminalCapabilities } from '../../../workflows/terminals/read-terminal-capabilities.workflow';
import type { enrollOnTerminal } from '../../../workflows/terminals/enroll-on-terminal.workflow';
import type { captureTerminalFace } from '../../../workflows/terminals/capture-terminal-face.workflow';
import {
  captureTerminalFaceWorkflowId,
  enrollOnTerminalWorkflowId,
  type CaptureTerminalFaceResult,
  type EnrollOnTerminalInput,
  type EnrollOnTerminalResult,
} from '../../../contracts';

/** A 504 after `ms`, saying which workflow to follow. */
const within = <T>(ms: number, workflowId: string, p: Promise<T>): Promise<T> =>
  waitForWorkflow(p, ms, workflowId, `still running after ${ms} ms; follow workflow ${workflowId}`);

export async function probeTerminalNow(deps: ApiDeps, terminalId: string) {
  const workflowId = `terminal-probe:${terminalId}:${Date.now()}`;
  try {
    return await within(
      deps.terminalWaitMs ?? 60_000,
      workflowId,
      deps.temporal.workflow.execute<typeof readTerminalCapabilities>('readTerminalCapabilities', { taskQueue: deps.queues.terminals, workflowId, args: [{ terminalId }] }),
    );
  } catch (e) {
    if (e instanceof WorkflowFailedError) throw new HttpError(502, `the terminal did not answer as expected: ${workflowFailureText(e)}`);
    throw e;
  }
}

export async function startEnrolment(deps: ApiDeps, input: EnrollOnTerminalInput): Promise<{ workflowId: string; runId: string }> {
  const workflowId = enrollOnTerminalWorkflowId(input.terminalId, input.ci);
  try {
    const h = await deps.temporal.workflow.start<typeof enrollOnTerminal>('enrollOnTerminal', { taskQueue: deps.queues.terminals, workflowId, args: [input] });
    return { workflowId, runId: h.firstExecutionRunId };
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) throw conflict(`an enrolment of ${input.ci} on this terminal is already running`, { workflowId });
    throw e;
  }
}

export async function enrolmentResult(deps: ApiDeps, workflowId: string): Promise<EnrollOnTerminalResult> {
  try {
    return await within(deps.terminalWaitMs ?? 60_000, workflowId, deps.temporal.workflow.getHandle<typeof enrollOnTerminal>(workflowId).result());
  } catch (e) {
    if (e instanceof WorkflowFailedError) throw new HttpError(502, workflowFailureText(e), { workflowId });
    if (e instanceof WorkflowNotFoundError) throw new HttpError(404, `no enrolment ${workflowId}`);
    throw e;
  }
}

/** Seed 002 step 2: one capture per terminal at a time. */
export async function captureNow(deps: ApiDeps, terminalId: string, ci: string | undefined, timeoutMs: number): Promise<CaptureTerminalFaceResult> {
  const workflowId = captureTerminalFaceWorkflowId(terminalId);
  let handle;
  try {
    handle = await deps.temporal.workflow.start<typeof captureTerminalFace>('captureTerminalFace', {
      taskQueue: deps.queues.terminals,
      workflowId,
      args: [{ terminalId, ci, timeoutMs }],
    });
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) throw conflict('this terminal is already capturing a face', { workflowId });
    throw e;
  }
  try {
    return await within(timeoutMs + 30_000, workflowId, handle.result());
  } catch (e) {
    if (e instanceof WorkflowFailedError) throw new CaptureFailed(workflowFailureText(e));
    throw e;
  }
}

export class CaptureFailed extends Error {}
