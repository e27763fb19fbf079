import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '../../../logger';
import { startDeviceFleet } from './fleet';
import { isValidDeviceId } from '../protocol/topics';
import { runCli, stopOnSignals } from '../../../cli-main';

/**
 * `npm run sim:devices -- --count 10 --url mqtt://127.0.0.1:1883 --secrets-file devices.json`
 *
 * Runs N simulated cloud access-control devices. Secrets come from `--secrets-file` (JSON object
 * `{ "<deviceId>": "<secret>" }`; its ids are used, `--count` takes the first N) or, for a throwaway dev broker
 * only, `--secret-prefix P` (secret = P + device id, ids = `--id-prefix` + 1…N). Secrets are never printed.
 */
const USAGE = `usage: device-simulator-main --url mqtt://host:port (--secrets-file FILE | --secret-prefix P) [--count N]
  [--id-prefix sim-] [--app-id gatesync] [--latency-ms 0] [--user-capacity 1000] [--event-batch-ms 5000]
  [--event-resend-ms 60000] [--keepalive 30] [--log-level info]`;

function positiveInt(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

function loadSecrets(file: string): { deviceId: string; secret: string }[] {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${file}: expected a JSON object of deviceId -> secret`);
  }
  return Object.entries(parsed).map(([deviceId, secret]) => {
    if (!isValidDeviceId(deviceId) || typeof secret !== 'string' || secret === '') {
      throw new Error(`${file}: invalid entry for device ${JSON.stringify(deviceId)}`);
    }
    return { deviceId, secret };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      count: { type: 'string' },
      'secrets-file': { type: 'string' },
      'secret-prefix': { type: 'string' },
      'id-prefix': { type: 'string', default: 'sim-' },
      'app-id': { type: 'string', default: 'gatesync' },
      'latency-ms': { type: 'string' },
      'user-capacity': { type: 'string' },
      'event-batch-ms': { type: 'string' },
      'event-resend-ms': { type: 'string' },
      keepalive: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || values.url === undefined) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const count = positiveInt('count', values.count);
  let devices: { deviceId: string; secret: string }[];
  if (values['secrets-file'] !== undefined) {
    devices = loadSecrets(values['secrets-file']);
    if (count !== undefined) devices = devices.slice(0, count);
  } else if (values['secret-prefix'] !== undefined) {
    const prefix = values['secret-prefix'];
    devices = Array.from({ length: count ?? 1 }, (_, i) => {
      const deviceId = `${values['id-prefix']}${i + 1}`;
      return { deviceId, secret: `${prefix}${deviceId}` };
    });
  } else {
    throw new Error(`one of --secrets-file or --secret-prefix is required\n${USAGE}`);
  }
  const logger = createLogger(values['log-level'], 'cloud-device-sim');
  const userCapacity = positiveInt('user-capacity', values['user-capacity']);
  const fleet = await startDeviceFleet({
    url: values.url,
    devices,
    appId: values['app-id'],
    latencyMs: positiveInt('latency-ms', values['latency-ms'], 0),
    model: userCapacity === undefined ? undefined : { userCapacity },
    eventBatchMs: positiveInt('event-batch-ms', values['event-batch-ms']),
    eventResendMs: positiveInt('event-resend-ms', values['event-resend-ms']),
    keepaliveSeconds: positiveInt('keepalive', values.keepalive),
    logger,
  });
  const ids = devices.map((d) => d.deviceId);
  const shown = ids.length <= 10 ? ids.join(', ') : `${ids.slice(0, 5).join(', ')} … ${ids.slice(-2).join(', ')}`;
  process.stdout.write(`${ids.length} simulated cloud devices online at ${values.url}: ${shown}\n`);

  stopOnSignals('simulated devices', () => fleet.stop());
}

runCli(main);
