import type { CaptureTerminalFaceInput, CaptureTerminalFaceResult } from './contracts';
import { terminalCapture } from './activity-profiles';

/**
 * Seed 002 step 2 on its own: the terminal waits for a face and keeps the picture; gatesync copies
 * it and returns the terminal's URL for a later bind (sync-to-device). One per terminal at a time
 * (workflow id `terminal-capture:<terminalId>`).
 */
export async function captureTerminalFace(input: CaptureTerminalFaceInput): Promise<CaptureTerminalFaceResult> {
  return terminalCapture.captureTerminalFace({ terminalId: input.terminalId, ci: input.ci, timeoutMs: input.timeoutMs ?? 30_000 });
}
