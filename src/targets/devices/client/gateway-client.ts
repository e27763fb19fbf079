import { randomUUID } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { disableNagle } from '../protocol/mqtt-socket';
import { z } from 'zod';
import type { Logger } from '../../../logger';
import { CloudDeviceError } from './errors';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  downAction,
  downSender,
  encodeEnvelope,
  parseUpMessage,
  validateDownData,
  type DownCmd,
  type DownData,
  type DownFields,
  type Envelope,
  type UpMessage,
} from '../protocol/messages';
import { ALL_UP_TOPICS, CLOUD_QOS, downTopic, parseTopic } from '../protocol/topics';

/**
 * gatesync's side of the cloud protocol: one MQTT connection that hears every device (`acs/+/up`) and talks to
 * any (`acs/{id}/down`). It knows nothing of workflows or the database: callers get typed answers, typed errors
 * (errors.ts) and a stream of device-initiated messages.
 */

/** Commands that the device answers, and the cmd of that answer (digest §1, §3, §10, §11, §12, §14). */
export const ANSWER_CMD = {
  user_sync: 'user_sync',
  /** The first status report (3 ready, or an immediate 2/4/5/6); later reports arrive as unsolicited. */
  feature_input: 'feature_input',
  access_time_config: 'access_time_config',
  /** The first status (0 ready, or 1 opened at once without a code); later ones arrive as unsolicited. */
  access_remote_control: 'access_remote_control',
  access_app_scan: 'access_app_scan',
  property_update: 'property_update',
} as const satisfies Partial<Record<DownCmd, string>>;

export type RequestCmd = keyof typeof ANSWER_CMD;
export type AnswerTo<C extends RequestCmd> = UpMessage<(typeof ANSWER_CMD)[C]>;

/** Device messages the application must acknowledge with the same mid (§7, §9). */
export const ACKNOWLEDGED_CMDS = ['access_data_upload', 'device_status_update'] as const;
export type AcknowledgedCmd = (typeof ACKNOWLEDGED_CMDS)[number];

export interface UnsolicitedContext {
  /** From the topic, and equal to the envelope's `from` (checked by parseUpMessage). */
  deviceId: string;
  /** An answer whose request already timed out (its mid was ours). The entries may have been applied anyway. */
  lateAnswer: boolean;
}

export type UnsolicitedHandler = (message: UpMessage, context: UnsolicitedContext) => void | Promise<void>;

export interface GatewayClientOptions {
  /** `mqtt://host:port` (or `mqtts://`). */
  url: string;
  username: string;
  password: string;
  /** Must start with the username at our broker (broker.ts); default `${username}-${random}`. */
  clientId?: string;
  /** The envelope's `from` on what we send ("门禁应用ID" in the seed); checkin_upload goes as "system" (seed §8). */
  appId: string;
  logger: Logger;
  /** Up messages larger than this are dropped unparsed (default 1 MiB). */
  maxMessageBytes?: number;
  /** Default budget of `request` (default 10 s). */
  defaultTimeoutMs?: number;
  keepaliveSeconds?: number;
  connectTimeoutMs?: number;
  /** Tests pin the clock and the mids. */
  now?: () => Date;
  newMid?: () => string;
}

export interface SendOptions {
  /**
   * Reuse a mid, e.g. one derived from the workflow id and step (STYLE 9) so a retried push is recognisable.
   * Default: a fresh random mid.
   */
  mid?: string;
}

export interface RequestOptions extends SendOptions {
  timeoutMs?: number;
}

interface Pending {
  deviceId: string;
  answerCmd: string;
  resolve: (message: UpMessage) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** How many timed-out mids to remember so their late answers are not mistaken for newer requests' answers. */
const EXPIRED_MID_MEMORY = 10_000;

export class CloudGatewayClient {
  private readonly pending = new Map<string, Pending>();
  private readonly expired = new Set<string>();
  private readonly handlers = new Set<UnsolicitedHandler>();
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly newMid: () => string;
  private closed = false;

  private constructor(
    private readonly mqtt: MqttClient,
    private readonly opts: GatewayClientOptions,
  ) {
    this.log = opts.logger.child({ component: 'cloud-gateway' });
    this.now = opts.now ?? (() => new Date());
    this.newMid = opts.newMid ?? (() => randomUUID().replace(/-/g, ''));
    mqtt.on('message', (topic, payload) => {
      // Nothing may escape into mqtt.js: an exception here would kill the connection's read loop.
      try {
        this.onMessage(topic, payload);
      } catch (err) {
        this.log.error({ err, topic }, 'unexpected error handling a device message');
      }
    });
    mqtt.on('error', (err) => this.log.warn({ err: err.message }, 'MQTT client error'));
    mqtt.on('offline', () => this.log.warn('gateway offline from the broker'));
    mqtt.on('reconnect', () => this.log.info('gateway reconnecting'));
  }

  /** Connects and subscribes to `acs/+/up` (QoS 1); rejects when the broker refuses either. */
  static async connect(opts: GatewayClientOptions): Promise<CloudGatewayClient> {
    const mqtt = await connectAsync(opts.url, {
      clientId: opts.clientId ?? `${opts.username}-${randomUUID().slice(0, 8)}`,
      username: opts.username,
      password: opts.password,
      // choice: a clean session. Devices re-send unacknowledged events and re-check on reconnect (§2, §7),
      // so nothing is lost that a persistent session would have kept, and several workers cannot clash.
      clean: true,
      keepalive: opts.keepaliveSeconds ?? 30,
      connectTimeout: opts.connectTimeoutMs ?? 10_000,
      reconnectPeriod: 1000,
      resubscribe: true,
    });
    disableNagle(mqtt);
    try {
      const granted = await mqtt.subscribeAsync(ALL_UP_TOPICS, { qos: CLOUD_QOS });
      if (granted.some((g) => g.qos === 128)) throw new Error(`broker refused the subscription to ${ALL_UP_TOPICS}`);
    } catch (err) {
      await mqtt.endAsync(true);
      throw err;
    }
    return new CloudGatewayClient(mqtt, opts);
  }

  get connected(): boolean {
    return this.mqtt.connected;
  }

  /** Registers a handler for device-initiated messages (checks, events, status, captures…); returns an unsubscriber. */
  onUnsolicited(handler: UnsolicitedHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Publishes `{cmd, ...fields}` to the device (QoS 1) and resolves with the mid once the broker has it. */
  async send<C extends DownCmd>(
    deviceId: string,
    cmd: C,
    fields: DownFields<C>,
    opts: SendOptions = {},
  ): Promise<string> {
    const mid = opts.mid ?? this.newMid();
    const data = this.validated(deviceId, cmd, fields, mid);
    await this.publish(deviceId, cmd, mid, data);
    return mid;
  }

  /**
   * Sends a command and resolves with the device's answer: the up message with the same mid (seed: "确认消息的mid
   * 必须与请求一致"). A device that answers with another mid is matched on device + cmd to the oldest pending
   * request, unless that mid is one of ours that already timed out (then it is a late answer, not this one's).
   * Rejects with CloudDeviceError `timeout` — the device may have applied the command anyway (§1: the answer
   * is not guaranteed), so callers re-send; user_sync entries are idempotent on the device.
   */
  async request<C extends RequestCmd>(
    deviceId: string,
    cmd: C,
    fields: DownFields<C>,
    opts: RequestOptions = {},
  ): Promise<AnswerTo<C>> {
    if (this.closed) throw new CloudDeviceError('closed', 'client closed', { deviceId, cmd });
    const mid = opts.mid ?? this.newMid();
    if (this.pending.has(mid))
      throw new CloudDeviceError('invalidOutgoing', 'a request with this mid is pending', { deviceId, cmd, mid });
    const data = this.validated(deviceId, cmd, fields, mid);
    const timeoutMs = opts.timeoutMs ?? this.opts.defaultTimeoutMs ?? 10_000;
    const answer = new Promise<UpMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(mid);
        this.rememberExpired(mid);
        reject(new CloudDeviceError('timeout', `no answer within ${timeoutMs} ms`, { deviceId, cmd, mid }));
      }, timeoutMs);
      // Registered before publishing: a fast device can answer before publishAsync resolves.
      this.pending.set(mid, { deviceId, answerCmd: ANSWER_CMD[cmd], resolve, reject, timer });
    });
    try {
      await this.publish(deviceId, cmd, mid, data);
    } catch (err) {
      const entry = this.pending.get(mid);
      if (entry !== undefined) {
        clearTimeout(entry.timer);
        this.pending.delete(mid);
      }
      answer.catch(() => undefined);
      throw err;
    }
    return (await answer) as AnswerTo<C>;
  }

  /** Acknowledges an event batch or a door status with the same mid (§7, §9); the device re-sends until then. */
  async acknowledge(message: UpMessage<AcknowledgedCmd>): Promise<void> {
    const cmd = message.data.cmd;
    if (!(ACKNOWLEDGED_CMDS as readonly string[]).includes(cmd)) {
      throw new CloudDeviceError('invalidOutgoing', `${cmd} is not acknowledged in this protocol`, {
        deviceId: message.from,
        cmd,
      });
    }
    const deviceId = message.from;
    const data = this.validated(deviceId, cmd, {}, message.mid);
    await this.publish(deviceId, cmd, message.mid, data);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [mid, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(
        new CloudDeviceError('closed', 'client closed', { deviceId: entry.deviceId, cmd: entry.answerCmd, mid }),
      );
    }
    this.pending.clear();
    this.handlers.clear();
    await this.mqtt.endAsync();
  }

  private unixNow(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  private validated<C extends DownCmd>(deviceId: string, cmd: C, fields: DownFields<C>, mid: string): DownData<C> {
    try {
      downTopic(deviceId);
      return validateDownData(cmd, fields);
    } catch (err) {
      const detail =
        err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : String(err);
      throw new CloudDeviceError('invalidOutgoing', detail, { deviceId, cmd, mid, cause: err });
    }
  }

  /** The envelope of a down message (digest §0: mid, sender, device, time, action) and its QoS 1 publish. */
  private async publish(deviceId: string, cmd: DownCmd, mid: string, data: unknown): Promise<void> {
    const envelope: Envelope<unknown> = { mid, from: downSender(cmd, this.opts.appId), to: deviceId, time: this.unixNow(), action: downAction(cmd), data };
    if (this.closed) throw new CloudDeviceError('closed', 'client closed', { deviceId, cmd, mid: envelope.mid });
    // mqtt.js would queue a QoS 1 publish while disconnected; we fail fast so the caller's retry policy decides.
    if (!this.mqtt.connected) {
      throw new CloudDeviceError('notConnected', 'not connected to the broker', { deviceId, cmd, mid: envelope.mid });
    }
    try {
      await this.mqtt.publishAsync(downTopic(deviceId), encodeEnvelope(envelope), { qos: CLOUD_QOS });
    } catch (err) {
      throw new CloudDeviceError('notConnected', err instanceof Error ? err.message : String(err), {
        deviceId,
        cmd,
        mid: envelope.mid,
        cause: err,
      });
    }
  }

  private rememberExpired(mid: string): void {
    this.expired.add(mid);
    if (this.expired.size > EXPIRED_MID_MEMORY) {
      const oldest = this.expired.values().next().value;
      if (oldest !== undefined) this.expired.delete(oldest);
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    const where = parseTopic(topic);
    if (where?.direction !== 'up') {
      this.log.warn({ topic }, 'message on an unexpected topic dropped');
      return;
    }
    const { deviceId } = where;
    const parsed = parseUpMessage(payload, {
      deviceId,
      maxBytes: this.opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    });
    if (!parsed.ok) {
      // Never the payload itself: it may carry features or images, and it is attacker-controlled.
      this.log.warn(
        {
          deviceId,
          reason: parsed.reason,
          detail: parsed.detail,
          mid: parsed.mid,
          cmd: parsed.cmd,
          bytes: payload.length,
        },
        'invalid device message dropped',
      );
      return;
    }
    const message = parsed.message;
    if (this.resolvePending(deviceId, message)) return;
    this.dispatch(message, { deviceId, lateAnswer: this.expired.has(message.mid) });
  }

  private resolvePending(deviceId: string, message: UpMessage): boolean {
    const cmd = message.data.cmd;
    const byMid = this.pending.get(message.mid);
    let mid: string | undefined;
    if (byMid !== undefined) {
      if (byMid.deviceId !== deviceId || byMid.answerCmd !== cmd) return false;
      mid = message.mid;
    } else if (!this.expired.has(message.mid)) {
      // Fallback (the brief's "else device + cmd"): the oldest pending request of this device for this cmd.
      for (const [candidate, entry] of this.pending) {
        if (entry.deviceId === deviceId && entry.answerCmd === cmd) {
          mid = candidate;
          this.log.info(
            { deviceId, cmd, answerMid: message.mid, requestMid: candidate },
            'answer matched by device and cmd',
          );
          break;
        }
      }
    }
    if (mid === undefined) return false;
    const entry = this.pending.get(mid);
    if (entry === undefined) return false;
    clearTimeout(entry.timer);
    this.pending.delete(mid);
    entry.resolve(message);
    return true;
  }

  private dispatch(message: UpMessage, context: UnsolicitedContext): void {
    if (this.handlers.size === 0) {
      this.log.debug({ deviceId: context.deviceId, cmd: message.data.cmd }, 'unsolicited message without a handler');
    }
    for (const handler of this.handlers) {
      Promise.resolve()
        .then(() => handler(message, context))
        .catch((err: unknown) =>
          this.log.error(
            { err, deviceId: context.deviceId, cmd: message.data.cmd, mid: message.mid },
            'unsolicited handler failed',
          ),
        );
    }
  }
}
