import { parseArgs } from 'node:util';
import { MODEL_PROFILES, startIsapiSimulator, type IsapiSimulator } from './simulator';
import { runCli, stopOnSignals } from '../../../cli-main';
import { ownValue } from '../../../own-key';

/**
 * `npm run sim:isapi -- --count 3 --port 18080 --model DS-K1T343EFWX [--tls] [--user admin --password …]`:
 * N simulated terminals on consecutive ports, each steerable over `/__sim/*`. Command-line arguments only — the
 * simulator is a development tool and reads no environment (STYLE 11).
 */
const USAGE = `usage: sim:isapi [--count N] [--port P] [--model ${Object.keys(MODEL_PROFILES).join('|')}] [--tls]
                [--host H] [--user U] [--password P] [--latency MS] [--capture-delay MS|manual] [--lockout N]
                [--utc-offset MINUTES]   (the terminals' zone, default this host's)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '1' },
      port: { type: 'string', default: '18080' },
      model: { type: 'string', default: 'DS-K1T343EFWX' },
      host: { type: 'string', default: '127.0.0.1' },
      tls: { type: 'boolean', default: false },
      user: { type: 'string', default: 'admin' },
      password: { type: 'string', default: 'Admin12345' },
      latency: { type: 'string', default: '0' },
      'capture-delay': { type: 'string', default: '5000' },
      lockout: { type: 'string', default: '5' },
      'utc-offset': { type: 'string', default: String(-new Date().getTimezoneOffset()) },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const count = Number(values.count);
  const port = Number(values.port);
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(USAGE);
  }
  if (ownValue(MODEL_PROFILES, values.model) === undefined) throw new Error(`unknown model ${values.model}\n${USAGE}`);
  const captureDelay = values['capture-delay'] === 'manual' ? null : Number(values['capture-delay']);

  const sims: IsapiSimulator[] = [];
  for (let i = 0; i < count; i += 1) {
    const sim = await startIsapiSimulator({
      model: values.model,
      port: port === 0 ? 0 : port + i,
      host: values.host,
      tls: values.tls,
      username: values.user,
      password: values.password,
      latencyMs: Number(values.latency),
      lockoutThreshold: Number(values.lockout),
      capture: { presentAfterMs: captureDelay, holdMs: 2000 },
      index: i,
      utcOffsetMinutes: Number(values['utc-offset']),
    });
    sims.push(sim);
    // The password is the operator's own command-line value; it is not echoed.
    process.stdout.write(
      `ISAPI terminal ${i + 1}/${count} (${sim.profile.model}) on ${sim.url}, user ${values.user}\n`,
    );
  }

  stopOnSignals('ISAPI simulators', () => Promise.all(sims.map((s) => s.close())));
}

runCli(main);
