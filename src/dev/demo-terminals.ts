import type { MikroORM } from '@mikro-orm/postgresql';
import { Terminal } from '../db/entities';
import type { SecretBox } from '../security/secret-box';
import { SEED_CAPTURE_MODEL, UPLOAD_MODEL, startIsapiSimulator, type IsapiSimulator } from '../targets/terminals/simulator/simulator';

const DEV_TERMINAL_USER = 'admin';
const DEV_TERMINAL_PASSWORD = 'gatesync-dev-terminal';

/**
 * Two simulated terminals for `npm start`: the seed-002 model at the main entrance,
 * where faces are captured on the terminal, and an upload-capable model at the lab. They are
 * registered once (by name) with their passwords sealed; their users live in memory, so a full sync
 * after a restart puts them back.
 */
export async function startDemoTerminals(orm: MikroORM, secrets: SecretBox, basePort: number): Promise<{ simulators: IsapiSimulator[]; close(): Promise<void> }> {
  const demo = [
    { name: 'Entrada principal', model: SEED_CAPTURE_MODEL, careers: ['Medicina'] },
    { name: 'Laboratorio de Software', model: UPLOAD_MODEL, careers: ['Ingeniería de Software'] },
  ];
  const simulators: IsapiSimulator[] = [];
  for (const [i, d] of demo.entries()) {
    const sim = await startIsapiSimulator({
      model: d.model,
      port: basePort + i,
      host: '127.0.0.1',
      username: DEV_TERMINAL_USER,
      password: DEV_TERMINAL_PASSWORD,
      index: i,
      // Someone presents a face 5 s after a capture starts (seed 002: "within 5–10 seconds").
      capture: { presentAfterMs: 5_000 },
      // Set to the zone of the machine, as a terminal installed next to it would be.
      utcOffsetMinutes: -new Date().getTimezoneOffset(),
    });
    simulators.push(sim);
    const em = orm.em.fork();
    const url = new URL(sim.url);
    const existing = await em.findOne(Terminal, { name: d.name });
    const terminal =
      existing ??
      new Terminal({
        name: d.name,
        host: url.hostname,
        port: Number(url.port),
        scheme: 'http',
        username: DEV_TERMINAL_USER,
        passwordSealed: secrets.seal(DEV_TERMINAL_PASSWORD),
      });
    terminal.host = url.hostname;
    terminal.port = Number(url.port);
    if (existing === null) terminal.careers = d.careers;
    em.persist(terminal);
    await em.flush();
  }
  return {
    simulators,
    close: async () => {
      for (const s of simulators) await s.close();
    },
  };
}
