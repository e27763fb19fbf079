import { terminalCall } from '../activity-profiles';

/** `POST /api/terminals/:id/probe`: deviceInfo and capabilities into the registry (issue 4 §1). */
export async function readTerminalCapabilities(input: { terminalId: string }) {
  return terminalCall.probeTerminal({ terminalId: input.terminalId });
}
