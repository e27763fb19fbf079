import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { DeviceGateway } from './device-gateway';

/**
 * The deployment's device gateway from configuration: the embedded broker on MQTT_HOST:MQTT_PORT, or the external
 * one at MQTT_URL. With the embedded broker the gateway is its only privileged client and lives in the same
 * process, so an unset MQTT_GATEWAY_PASSWORD becomes a random one that never leaves the process.
 */
export function startDeviceGatewayFromConfig(
  config: Config,
  p: { orm: MikroORM; databaseUrl: string; temporal: Client; logger: Logger },
): Promise<DeviceGateway> {
  const d = config.devices;
  return DeviceGateway.start({
    orm: p.orm,
    databaseUrl: p.databaseUrl,
    temporal: p.temporal,
    taskQueue: config.temporal.queues.devices,
    syncDefaults: { busyPauseMs: d.busyPauseMs },
    logger: p.logger,
    dataDir: config.dataDir,
    mqtt: {
      url: d.mqttUrl,
      host: d.mqttHost,
      port: d.mqttPort,
      username: d.gatewayUsername,
      password: d.gatewayPassword ?? randomBytes(24).toString('base64url'),
      appId: d.appId,
      requestTimeoutMs: d.requestTimeoutMs,
    },
  });
}
