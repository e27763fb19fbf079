import type { MikroORM } from '@mikro-orm/postgresql';
import { Terminal } from '../../src/db/entities';
import { IsapiClient } from '../../src/targets/terminals/client/client';
import { startIsapiSimulator, type IsapiSimulator, type IsapiSimulatorOptions } from '../../src/targets/terminals/simulator/simulator';
import type { SecretBox } from '../../src/security/secret-box';

export const TERMINAL_USER = 'admin';
export const TERMINAL_PASSWORD = 'Terminal-pass-42';

/** A simulated terminal over HTTP, registered in the database with its password sealed. */
export async function terminalWithSimulator(
  orm: MikroORM,
  secrets: SecretBox,
  opts: IsapiSimulatorOptions & { name?: string; careers?: string[]; registeredPassword?: string } = {},
): Promise<{ sim: IsapiSimulator; terminalId: string; client: IsapiClient; close(): Promise<void> }> {
  const sim = await startIsapiSimulator({ username: TERMINAL_USER, password: TERMINAL_PASSWORD, host: '127.0.0.1', ...opts });
  const url = new URL(sim.url);
  const t = new Terminal({
    name: opts.name ?? `T-${url.port}-${Math.random().toString(36).slice(2, 8)}`,
    host: url.hostname,
    port: Number(url.port),
    scheme: 'http',
    username: TERMINAL_USER,
    passwordSealed: secrets.seal(opts.registeredPassword ?? TERMINAL_PASSWORD),
  });
  t.careers = opts.careers ?? [];
  await orm.em.fork().persistAndFlush(t);
  // The test's own view of the terminal, to set it up and to check it afterwards.
  const client = new IsapiClient({ baseUrl: sim.url, username: TERMINAL_USER, password: TERMINAL_PASSWORD, timeoutMs: 5000 });
  return {
    sim,
    terminalId: t.id,
    client,
    async close() {
      await client.close();
      await sim.close();
    },
  };
}

export async function usersOn(client: IsapiClient): Promise<Map<string, { name: string; faces: number; valid: string }>> {
  const out = new Map<string, { name: string; faces: number; valid: string }>();
  for await (const u of client.users({ pageSize: 30 })) {
    out.set(u.employeeNo, { name: u.name ?? '', faces: Number(u.numOfFace ?? 0), valid: `${u.Valid?.beginTime}/${u.Valid?.endTime}` });
  }
  return out;
}
