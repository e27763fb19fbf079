/**
 * Patch ids (samples-typescript `patching-api`): a workflow change that adds or moves commands runs behind
 * `patched(id)`, so histories recorded before it still replay along the old path.
 */

/**
 * Terminal captures are attempts with a state: the workflow opens the attempt's row before the terminal waits
 * (openTerminalCapture), a cancelled run withdraws its captures (withdrawTerminalCaptures), and a capture becomes
 * the person's photo only after it was bound and verified (adoptCapturedPhoto).
 */
export const TERMINAL_CAPTURE_LIFECYCLE = 'terminal-capture-lifecycle';
