import { CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import type { CaptureTerminalFaceInput, CaptureTerminalFaceResult } from '../../contracts';
import { terminalCall, terminalCapture, terminalDb } from '../activity-profiles';
import { TERMINAL_CAPTURE_LIFECYCLE } from '../patches';

/**
 * Seed 002 step 2 on its own: the terminal waits for a face and keeps the picture; gatesync copies
 * it and returns the terminal's URL for a later bind (sync-to-device). One per terminal at a time
 * (workflow id `terminal-capture:<terminalId>`). Cancelled, its capture is withdrawn: never bound or
 * offered to sync-to-device.
 */
export async function captureTerminalFace(input: CaptureTerminalFaceInput): Promise<CaptureTerminalFaceResult> {
  const request = { terminalId: input.terminalId, ci: input.ci, timeoutMs: input.timeoutMs ?? 30_000 };
  if (!patched(TERMINAL_CAPTURE_LIFECYCLE)) return terminalCapture.captureTerminalFace(request);
  const { captureId } = await terminalDb.openTerminalCapture({ terminalId: input.terminalId, ci: input.ci });
  try {
    return await terminalCapture.captureTerminalFace({ ...request, captureId });
  } catch (e) {
    if (isCancellation(e)) {
      await CancellationScope.nonCancellable(() => terminalCall.withdrawTerminalCaptures({ terminalId: input.terminalId, captureIds: [captureId] }));
    }
    throw e;
  }
}
