import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { TemporalContext } from './temporal-context';
import type { readTerminalCapabilities } from '../workflows/terminals/read-terminal-capabilities.workflow';
import type { captureTerminalFace } from '../workflows/terminals/capture-terminal-face.workflow';
import type { enrollOnTerminal } from '../workflows/terminals/enroll-on-terminal.workflow';
import type { syncTerminal } from '../workflows/terminals/sync-terminal.workflow';
import {
  TerminalWorkflow,
  captureTerminalFaceWorkflowId,
  enrollOnTerminalWorkflowId,
  enrollProgressQuery,
  probeTerminalWorkflowId,
  syncTerminalWorkflowId,
  terminalSyncProgressQuery,
  type CaptureTerminalFaceInput,
  type EnrollOnTerminalInput,
  type EnrollProgress,
  type SyncTerminalInput,
  type SyncTerminalProgress,
} from '../contracts/terminals';

type Started<W extends Workflow> = WorkflowHandleWithFirstExecutionRunId<W>;
export type ProbeHandle = Started<typeof readTerminalCapabilities>;
export type CaptureHandle = Started<typeof captureTerminalFace>;
export type EnrolmentHandle = WorkflowHandle<typeof enrollOnTerminal>;
export type TerminalSyncHandle = WorkflowHandle<typeof syncTerminal>;

/**
 * Starts reading the terminal's deviceInfo and capabilities, or joins the probe of it already running: one terminal
 * is read by one run at a time (it answers one request at a time, reference §2.2), and a closed probe is run again.
 */
export async function startTerminalProbe(t: TemporalContext, terminalId: string): Promise<ProbeHandle> {
  return t.client.workflow.start<typeof readTerminalCapabilities>(TerminalWorkflow.readTerminalCapabilities, {
    taskQueue: t.queues.terminals,
    workflowId: probeTerminalWorkflowId(terminalId),
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    args: [{ terminalId }],
  });
}

/** Seed 002 step 2: one capture per terminal; a second start fails with WorkflowExecutionAlreadyStartedError. */
export async function startTerminalCapture(
  t: TemporalContext,
  input: CaptureTerminalFaceInput,
): Promise<CaptureHandle> {
  return t.client.workflow.start<typeof captureTerminalFace>(TerminalWorkflow.captureTerminalFace, {
    taskQueue: t.queues.terminals,
    workflowId: captureTerminalFaceWorkflowId(input.terminalId),
    args: [input],
  });
}

/** One enrolment of a person on a terminal at a time; a second start fails with WorkflowExecutionAlreadyStartedError. */
export async function startEnrolment(
  t: TemporalContext,
  input: EnrollOnTerminalInput,
): Promise<Started<typeof enrollOnTerminal>> {
  return t.client.workflow.start<typeof enrollOnTerminal>(TerminalWorkflow.enrollOnTerminal, {
    taskQueue: t.queues.terminals,
    workflowId: enrollOnTerminalWorkflowId(input.terminalId, input.ci),
    args: [input],
  });
}

export const enrolmentHandle = (t: TemporalContext, terminalId: string, ci: string): EnrolmentHandle =>
  t.client.workflow.getHandle<typeof enrollOnTerminal>(enrollOnTerminalWorkflowId(terminalId, ci));

export const enrolmentProgress = (h: EnrolmentHandle): Promise<EnrollProgress> => h.query(enrollProgressQuery);

/** One sync per terminal at a time; a second start fails with WorkflowExecutionAlreadyStartedError. */
export async function startTerminalSync(
  t: TemporalContext,
  input: SyncTerminalInput,
): Promise<Started<typeof syncTerminal>> {
  return t.client.workflow.start<typeof syncTerminal>(TerminalWorkflow.syncTerminal, {
    taskQueue: t.queues.terminals,
    workflowId: syncTerminalWorkflowId(input.terminalId),
    args: [input],
  });
}

export const terminalSyncHandle = (t: TemporalContext, terminalId: string): TerminalSyncHandle =>
  t.client.workflow.getHandle<typeof syncTerminal>(syncTerminalWorkflowId(terminalId));

export const terminalSyncProgress = (h: TerminalSyncHandle): Promise<SyncTerminalProgress> =>
  h.query(terminalSyncProgressQuery);
