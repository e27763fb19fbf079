import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { ApiDeps } from '../../deps';
import { HttpError, conflict } from '../../http-errors';
import type { readTerminalCapabilities } from '../../../workflows/read-terminal-capabilities.workflow';
import type { enrollOnTerminal } from '../../../workflows/enroll-on-terminal.workflow';
import type { captureTerminalFace } from '../../../workflows/capture-terminal-face.workflow';
import {
  captureTerminalFaceWorkflowId,
  enrollOnTerminalWorkflowId,
  type CaptureTerminalFaceResult,
  type EnrollOnTerminalInput,
  type EnrollOnTerminalResult,
} from '../../../workflows/contracts';

/** Waits for a workflow's result, at most `ms`; a 504 says where to follow it instead. */
async function within<T>(ms: number, workflowId: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HttpError(504, `still running after ${ms} ms; follow workflow ${workflowId}`, { workflowId })), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const failureText = (e: WorkflowFailedError): string => (e.cause instanceof Error ? (e.cause.cause instanceof Error ? e.cause.cause.message : e.cause.message) : e.message);

export async function probeTerminalNow(deps: ApiDeps, terminalId: string) {
  const workflowId = `terminal-probe:${terminalId}:${Date.now()}`;
  try {
    return await within(
      deps.terminalWaitMs ?? 60_000,
      workflowId,
      deps.temporal.workflow.execute<typeof readTerminalCapabilities>('readTerminalCapabilities', { taskQueue: deps.taskQueue, workflowId, args: [{ terminalId }] }),
    );
  } catch (e) {
    if (e instanceof WorkflowFailedError) throw new HttpError(502, `the terminal did not answer as expected: ${failureText(e)}`);
    throw e;
  }
}

export async function startEnrolment(deps: ApiDeps, input: EnrollOnTerminalInput): Promise<{ workflowId: string; runId: string }> {
  const workflowId = enrollOnTerminalWorkflowId(input.terminalId, input.ci);
  try {
    const h = await deps.temporal.workflow.start<typeof enrollOnTerminal>('enrollOnTerminal', { taskQueue: deps.taskQueue, workflowId, args: [input] });
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
    if (e instanceof WorkflowFailedError) throw new HttpError(502, failureText(e), { workflowId });
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
      taskQueue: deps.taskQueue,
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
    if (e instanceof WorkflowFailedError) throw new CaptureFailed(failureText(e));
    throw e;
  }
}

export class CaptureFailed extends Error {}
