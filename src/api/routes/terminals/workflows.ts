import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { ApiDeps } from '../../deps';
import { HttpError, conflict } from '../../http-errors';
import { waitForWorkflow, workflowFailureText } from '../../workflow-wait';
import { temporalOf } from '../../temporal-of';
import * as terminals from '../../../temporal-client/terminals';
import type { CaptureTerminalFaceResult, EnrollOnTerminalInput, EnrollOnTerminalResult } from '../../../contracts';

/** A 504 after `ms`, saying which workflow to follow. */
const within = <T>(ms: number, workflowId: string, p: Promise<T>): Promise<T> =>
  waitForWorkflow(p, ms, workflowId, `still running after ${ms} ms; follow workflow ${workflowId}`);

export async function probeTerminalNow(deps: ApiDeps, terminalId: string) {
  const handle = await terminals.startTerminalProbe(temporalOf(deps), terminalId);
  try {
    return await within(deps.terminalWaitMs ?? 60_000, handle.workflowId, handle.result());
  } catch (e) {
    if (e instanceof WorkflowFailedError)
      throw new HttpError(502, `the terminal did not answer as expected: ${workflowFailureText(e)}`);
    throw e;
  }
}

export async function startEnrolment(
  deps: ApiDeps,
  input: EnrollOnTerminalInput,
): Promise<{ workflowId: string; runId: string }> {
  try {
    const h = await terminals.startEnrolment(temporalOf(deps), input);
    return { workflowId: h.workflowId, runId: h.firstExecutionRunId };
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError)
      throw conflict(`an enrolment of ${input.ci} on this terminal is already running`, { workflowId: e.workflowId });
    throw e;
  }
}

export async function enrolmentResult(deps: ApiDeps, terminalId: string, ci: string): Promise<EnrollOnTerminalResult> {
  const handle = terminals.enrolmentHandle(temporalOf(deps), terminalId, ci);
  const { workflowId } = handle;
  try {
    return await within(deps.terminalWaitMs ?? 60_000, workflowId, handle.result());
  } catch (e) {
    if (e instanceof WorkflowFailedError) throw new HttpError(502, workflowFailureText(e), { workflowId });
    if (e instanceof WorkflowNotFoundError) throw new HttpError(404, `no enrolment ${workflowId}`);
    throw e;
  }
}

/** Seed 002 step 2: one capture per terminal at a time. */
export async function captureNow(
  deps: ApiDeps,
  terminalId: string,
  ci: string | undefined,
  timeoutMs: number,
): Promise<CaptureTerminalFaceResult> {
  let handle;
  try {
    handle = await terminals.startTerminalCapture(temporalOf(deps), { terminalId, ci, timeoutMs });
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError)
      throw conflict('this terminal is already capturing a face', { workflowId: e.workflowId });
    throw e;
  }
  try {
    return await within(timeoutMs + 30_000, handle.workflowId, handle.result());
  } catch (e) {
    if (e instanceof WorkflowFailedError) throw new CaptureFailed(workflowFailureText(e));
    throw e;
  }
}

export class CaptureFailed extends Error {}
