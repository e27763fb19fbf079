import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createDeps, serviceAddresses } from '../deps';
import { startDeviceGatewayFromConfig } from './gateway-from-config';
import { GatewayLeadership } from './gateway-leadership';

/**
 * `npm run gateway`: the device gateway as a process of its own, against external services (DATABASE_URL,
 * TEMPORAL_ADDRESS; MQTT_GATEWAY_PASSWORD, the broker account it shares with the workers). Run two or more: one is
 * active (it owns the embedded broker on MQTT_HOST:MQTT_PORT, or the subscription on MQTT_URL), the others stand by
 * and one takes over within GATEWAY_TAKEOVER_POLL_MS of the active one's death (gateway-leadership.ts).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'gatesync-gateway');
  const addresses = serviceAddresses(config, 'gateway');
  const deps = await createDeps(config, addresses);
  const leadership = GatewayLeadership.start({
    databaseUrl: addresses.databaseUrl,
    logger,
    pollMs: config.devices.takeoverPollMs,
    becomeActive: () => startDeviceGatewayFromConfig(config, { orm: deps.orm, databaseUrl: addresses.databaseUrl, temporal: deps.temporal, logger }),
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping the device gateway`);
    void leadership
      .close()
      .then(() => deps.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
