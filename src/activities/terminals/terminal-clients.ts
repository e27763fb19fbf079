import type { EntityManager } from '@mikro-orm/postgresql';
import { Terminal } from '../../db/entities';
import { IsapiClient } from '../../targets/terminals/client/client';
import { TerminalLocks, type HoldOptions } from '../../db/repositories/terminals/terminal-lock';
import type { SecretBox } from '../../security/secret-box';

/**
 * One ISAPI client per terminal per process, so the client's one-request-in-flight rule holds for
 * everything this worker sends to a terminal (reference §2.1: terminals serialise); every call is also made holding
 * the terminal's advisory lock in PostgreSQL, so other worker processes wait for it too (§2.2) — once for a whole
 * activity through `holding`, else per call. Changed connection settings (PATCH: new password, host…) replace its
 * client.
 */
export class TerminalClients {
  private readonly clients = new Map<string, { version: string; client: IsapiClient }>();
  private lockTable: TerminalLocks | undefined;

  constructor(
    private readonly secrets: SecretBox,
    private readonly timeoutMs = 10_000,
  ) {}

  /**
   * Runs `work` with the terminal's client, holding the terminal throughout: its calls take no lock of their own, and
   * no other process's (or activity's) call reaches the terminal in between. The client is looked up once the lock
   * is held, so a client replaced after a PATCH is never closed under the calls of another activity holding it.
   */
  async holding<T>(
    em: EntityManager,
    terminalId: string,
    work: (connected: { terminal: Terminal; client: IsapiClient }) => Promise<T>,
    opts: HoldOptions = {},
  ): Promise<T> {
    return this.locks(em).hold(
      terminalId,
      async () => {
        const connected = await this.forTerminal(em, terminalId);
        try {
          return await work(connected);
        } finally {
          // A call the work started but did not wait for (a sibling of a failed one) is still the span's: the
          // terminal is let go only once it has finished.
          await connected.client.idle();
        }
      },
      opts,
    );
  }

  /** The lock table, for tests and diagnostics (acquisitions). */
  locks(em: EntityManager): TerminalLocks {
    this.lockTable ??= TerminalLocks.of(em);
    return this.lockTable;
  }

  async forTerminal(em: EntityManager, terminalId: string): Promise<{ terminal: Terminal; client: IsapiClient }> {
    const terminal = await em.findOne(Terminal, { id: terminalId }, { populate: ['passwordSealed'] as never });
    if (terminal === null) throw new TerminalMissingError(terminalId);
    // Only what the connection is made of: a probe writing capabilities must not replace a client in use.
    const version = JSON.stringify([terminal.baseUrl, terminal.username, terminal.passwordSealed, terminal.caPem ?? null, terminal.insecureTls]);
    const cached = this.clients.get(terminalId);
    if (cached !== undefined && cached.version === version) return { terminal, client: cached.client };
    if (cached !== undefined) await cached.client.close();
    const locks = this.locks(em);
    const client = new IsapiClient({
      baseUrl: terminal.baseUrl,
      username: terminal.username,
      password: this.secrets.open(terminal.passwordSealed),
      ca: terminal.caPem ?? undefined,
      insecureTls: terminal.insecureTls,
      timeoutMs: this.timeoutMs,
      // Inside `holding` this runs the call at once; a call made outside it holds the terminal for itself.
      serialise: (call) => locks.hold(terminalId, call),
    });
    this.clients.set(terminalId, { version, client });
    return { terminal, client };
  }

  async close(): Promise<void> {
    for (const { client } of this.clients.values()) await client.close();
    this.clients.clear();
    await this.lockTable?.close();
    this.lockTable = undefined;
  }
}

export class TerminalMissingError extends Error {
  constructor(readonly terminalId: string) {
    super(`terminal ${terminalId} is not registered`);
    this.name = 'TerminalMissingError';
  }
}
