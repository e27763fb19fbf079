import type { EntityManager } from '@mikro-orm/postgresql';
import type { Terminal } from '../../db/entities';
import type { IsapiClient } from '../../targets/terminals/client/client';
import { IsapiError } from '../../targets/terminals/client/errors';

/**
 * The terminal's UTC offset, kept with the terminal: read from /ISAPI/System/time when unknown or when `refresh`
 * asks (probe, full sync), since `Valid` times are the terminal's wall clock (reference §2.4). `em` must be the one
 * that loaded `terminal`. Null when the terminal cannot tell (no such endpoint on the model, reference §2.7): the
 * validity window is then made to hold in any zone (validityWindow).
 */
export async function terminalUtcOffset(
  em: EntityManager,
  terminal: Terminal,
  client: IsapiClient,
  opts: { refresh?: boolean } = {},
): Promise<number | null> {
  const known = terminal.utcOffsetMinutes ?? null;
  if (known !== null && opts.refresh !== true) return known;
  let read: number | null;
  try {
    read = (await client.systemTime()).utcOffsetMinutes;
  } catch (e) {
    if (e instanceof IsapiError && e.kind === 'notSupported') return known;
    throw e;
  }
  if (read === null || read === known) return known;
  terminal.utcOffsetMinutes = read;
  await em.flush();
  return read;
}
