import { randomUUID } from 'node:crypto';
import type { DeviceLink } from '../activities/devices/device-activities';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { CloudDeviceError } from '../targets/devices/client/errors';
import { CloudGatewayClient } from '../targets/devices/client/gateway-client';

/**
 * A worker's own MQTT connection to the broker, for the device activities' requests and answers. The gateway
 * (`npm run gateway`) owns what devices start; a worker only matches the answers to its own requests by mid
 * (gateway-client.ts) and leaves every other message to the gateway. It logs in with the gateway's account.
 *
 * The broker may not be up yet (the active gateway starts it, or a standby is taking over): the worker starts
 * anyway and connects in the background; until then a request fails as `notConnected`, which the activities
 * report as retryable, so Temporal tries again. Once connected, mqtt.js reconnects by itself after a takeover.
 */
export class WorkerDeviceLink implements DeviceLink {
  private client: CloudGatewayClient | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  private constructor(
    private readonly config: Config,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'worker-device-link' });
  }

  /** Starts connecting; the link is usable (and answers `notConnected`) at once. */
  static open(config: Config, logger: Logger): WorkerDeviceLink {
    const password = config.devices.gatewayPassword;
    if (password === undefined) {
      throw new Error('MQTT_GATEWAY_PASSWORD: required by a worker that serves the devices queue (it logs in to the broker as the gateway)');
    }
    const link = new WorkerDeviceLink(config, logger);
    link.connect(0, password);
    return link;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  request: DeviceLink['request'] = (deviceId, cmd, fields, opts) => this.ready(deviceId, cmd).request(deviceId, cmd, fields, opts);

  send: DeviceLink['send'] = (deviceId, cmd, fields, opts) => this.ready(deviceId, cmd).send(deviceId, cmd, fields, opts);

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client?.close();
  }

  private ready(deviceId: string, cmd: string): CloudGatewayClient {
    if (this.client === undefined) throw new CloudDeviceError('notConnected', 'the worker is not connected to the MQTT broker yet', { deviceId, cmd });
    return this.client;
  }

  private connect(attempt: number, password: string): void {
    const d = this.config.devices;
    const url = d.mqttUrl ?? `mqtt://${d.mqttHost}:${d.mqttPort}`;
    // Resolves once the broker accepts us (mqtt.js keeps retrying a refused connection); rejects when it refuses the
    // login or the subscription, which is retried here with a growing pause.
    CloudGatewayClient.connect({
      url,
      username: d.gatewayUsername,
      password,
      clientId: `${d.gatewayUsername}-worker-${randomUUID().slice(0, 8)}`,
      appId: d.appId,
      logger: this.log,
      defaultTimeoutMs: d.requestTimeoutMs,
    }).then(
      async (client) => {
        if (this.closed) return client.close();
        this.client = client;
        this.log.info({ url }, 'connected to the MQTT broker');
      },
      (err: unknown) => {
        if (this.closed) return;
        const delay = Math.min(1000 * 2 ** attempt, 30_000);
        this.log.warn({ err, url, retryInMs: delay }, 'could not connect to the MQTT broker');
        this.retry = setTimeout(() => this.connect(attempt + 1, password), delay);
      },
    );
  }
}
