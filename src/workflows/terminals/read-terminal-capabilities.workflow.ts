import { terminalCall } from '../activity-profiles';

/** `POST /api/terminals/:id/probe`: deviceInfo and capabilities into the registry (reference §2: deviceInfo and capabilities). */
export async function readTerminalCapabilities(input: { terminalId: string }) {
  return terminalCall.probeTerminal({ terminalId: input.terminalId });
}
