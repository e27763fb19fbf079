import type { EntityManager } from '@mikro-orm/postgresql';
import { Terminal } from '../../db/entities';
import { IsapiClient } from '../../targets/terminals/client/client';
import { withTerminalLock } from '../../db/repositories/terminals/terminal-lock';
import type { SecretBox } from '../../security/secret-box';

/**
 * One ISAPI client per terminal per process, so the client's one-request-in-flight rule holds for
 * everything this worker sends to a terminal (reference §2.1: terminals serialise); each call also holds the
 * terminal's advisory lock in PostgreSQL, so other worker processes wait for it too (§2.2). Changed
 * connection settings (PATCH: new password, host…) replace its client.
 */
export class TerminalClients {
  private readonly clients = new Map<string, { version: string; client: IsapiClient }>();

  constructor(
    private readonly secrets: SecretBox,
    private readonly timeoutMs = 10_000,
  ) {}

  async forTerminal(em: EntityManager, terminalId: string): Promise<{ terminal: Terminal; client: IsapiClient }> {
    const terminal = await em.findOne(Terminal, { id: terminalId }, { populate: ['passwordSealed'] as never });
    if (terminal === null) throw new TerminalMissingError(terminalId);
    // Only what the connection is made of: a probe writing capabilities must not replace a client in use.
    const version = JSON.stringify([terminal.baseUrl, terminal.username, terminal.passwordSealed, terminal.caPem ?? null, terminal.insecureTls]);
    const cached = this.clients.get(terminalId);
    if (cached !== undefined && cached.version === version) return { terminal, client: cached.client };
    if (cached !== undefined) await cached.client.close();
    const client = new IsapiClient({
      baseUrl: terminal.baseUrl,
      username: terminal.username,
      password: this.secrets.open(terminal.passwordSealed),
      ca: terminal.caPem ?? undefined,
      insecureTls: terminal.insecureTls,
      timeoutMs: this.timeoutMs,
      // Every forked EntityManager shares the ORM's pool: the lock outlives the activity that built the client.
      serialise: (call) => withTerminalLock(em, terminalId, call),
    });
    this.clients.set(terminalId, { version, client });
    return { terminal, client };
  }

  async close(): Promise<void> {
    for (const { client } of this.clients.values()) await client.close();
    this.clients.clear();
  }
}

export class TerminalMissingError extends Error {
  constructor(readonly terminalId: string) {
    super(`terminal ${terminalId} is not registered`);
    this.name = 'TerminalMissingError';
  }
}
