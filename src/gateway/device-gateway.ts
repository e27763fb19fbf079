import { Client as PgClient } from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Logger } from '../logger';
import { startBroker, type CloudBroker, type PresenceEvent } from '../targets/devices/client/broker';
import { ANSWER_CMD, CloudGatewayClient, type UnsolicitedContext } from '../targets/devices/client/gateway-client';
import type { UpMessage } from '../targets/devices/protocol/messages';
import { devicePresenceSignal, deviceQueueChangedSignal, deviceSyncCheckSignal } from '../contracts/devices';
import { CaptureStore } from '../db/repositories/devices/capture-store';
import { DeviceInbox } from '../db/repositories/devices/device-inbox';
import { DEVICE_SYNC_CHANNEL, type Db } from '../db/repositories/devices/device-people';
import { devicesWithQueuedOps, markAllOffline } from '../db/repositories/devices/device-state';
import { DeviceSecretVerifier } from '../security/device-secret';
import { registryAuthenticator } from './device-authenticator';
import { DEVICE_REVOKED_CHANNEL, staleSessions } from '../db/repositories/devices/session-revocation';
import { signalDeviceSync, type DeviceSyncDefaults, type DeviceSyncStarter } from '../temporal-client/devices';

/**
 * The one gateway of a deployment: runs the embedded broker (unless MQTT_URL points at another),
 * connects gatesync's MQTT client, and routes what devices say. Requests/answers stay inside the activity that
 * sent them (gateway-client.ts matches them by mid); everything a device starts is handled here:
 *
 *   presence (broker hooks; external broker: first message) → device row + presence log → `devicePresence` signal
 *   user_sync_check (§2)      → device_check row → `deviceSyncCheck` signal (the workflow decides)
 *   access_data_upload (§7)   → access_event rows (idempotent) → ack with the same mid
 *   device_status_update (§9) → door state → ack with the same mid
 *   access_capture (§13)      → blob store + device_capture row
 *   feature_error (§5)        → device_feature_error rows
 *
 * It also LISTENs to `gatesync_device_sync` (the queue triggers' NOTIFY) and wakes the device's workflow, and to
 * `gatesync_device_revoked` (a device deleted or its secret rotated, by any writer): the embedded broker then
 * drops that device's session at once. Notifications are lost while nobody listens, so the gateway also re-checks
 * every session against the registry when its listener (re)connects, when a device connects, and every
 * `sessionRecheckMs`: a session whose device is gone, or that logged in with a secret since replaced, is closed.
 * Exactly one is active per deployment (gateway-leadership.ts elects it; the others stand by): every connection
 * subscribed to `acs/+/up` receives every up message, and the embedded broker runs once. Workers in other processes
 * send through links of their own (worker/device-link.ts); the answers to their requests reach this gateway too and
 * are left to them.
 */

export interface DeviceGatewayOptions {
  orm: MikroORM;
  databaseUrl: string;
  temporal: Client;
  taskQueue: string;
  syncDefaults: DeviceSyncDefaults;
  logger: Logger;
  /** Captures go to `<dataDir>/device-captures`. */
  dataDir: string;
  mqtt: {
    /** External broker; undefined = start the embedded one on host:port. */
    url?: string;
    host: string;
    port: number;
    username: string;
    password: string;
    appId: string;
    requestTimeoutMs: number;
    maxMessageBytes?: number;
  };
  /** Coalesce queue notifications of one device for this long before signalling (default 50 ms). */
  notifyDebounceMs?: number;
  /** First wait before reconnecting a lost listener connection; doubles up to 30 s (default 1000 ms). */
  listenerRetryMs?: number;
  /** Every session is re-checked against the registry this often, whatever was heard (default 60 s). */
  sessionRecheckMs?: number;
  /** Checks device logins (default: scrypt with a dummy hash made at start for unknown ids). */
  secretVerifier?: DeviceSecretVerifier;
}

const ANSWER_CMDS: ReadonlySet<string> = new Set(Object.values(ANSWER_CMD));

/** The listener's `application_name`, so an operator (or a test) can find its backend. */
export const LISTENER_APPLICATION_NAME = 'gatesync-gateway-listener';

export class DeviceGateway {
  private readonly log: Logger;
  private readonly inbox: DeviceInbox;
  private readonly starter: DeviceSyncStarter;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly debounce = new Map<string, NodeJS.Timeout>();
  private listener: PgClient | undefined;
  private listenerTimer: NodeJS.Timeout | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly opts: DeviceGatewayOptions,
    readonly client: CloudGatewayClient,
    readonly broker: CloudBroker | undefined,
    private readonly db: Db,
  ) {
    this.log = opts.logger.child({ component: 'device-gateway' });
    this.inbox = new DeviceInbox(db, CaptureStore.inDataDir(opts.dataDir));
    this.starter = { temporal: opts.temporal, taskQueue: opts.taskQueue, defaults: opts.syncDefaults };
  }

  get url(): string {
    return this.opts.mqtt.url ?? (this.broker as CloudBroker).url;
  }

  static async start(opts: DeviceGatewayOptions): Promise<DeviceGateway> {
    const db = opts.orm.em.getKnex();
    const log = opts.logger.child({ component: 'device-gateway' });
    let gateway: DeviceGateway | undefined;
    let broker: CloudBroker | undefined;
    const early: PresenceEvent[] = [];
    if (opts.mqtt.url === undefined) {
      // Nobody is connected to a broker that just started: stale "online" flags from a previous run are wrong.
      await markAllOffline(db, 'gatewayRestart');
      broker = await startBroker({
        port: opts.mqtt.port,
        host: opts.mqtt.host,
        logger: opts.logger,
        gatewayCredentials: { username: opts.mqtt.username, password: opts.mqtt.password },
        authenticate: registryAuthenticator(db, opts.secretVerifier ?? (await DeviceSecretVerifier.create())),
        // Devices reconnect as soon as the broker listens, before the gateway below exists: keep those events.
        onPresence: (e) => (gateway !== undefined ? gateway.onPresence(e) : early.push(e)),
      });
    }
    try {
      const client = await CloudGatewayClient.connect({
        url: opts.mqtt.url ?? (broker as CloudBroker).url,
        username: opts.mqtt.username,
        password: opts.mqtt.password,
        appId: opts.mqtt.appId,
        logger: opts.logger,
        defaultTimeoutMs: opts.mqtt.requestTimeoutMs,
        maxMessageBytes: opts.mqtt.maxMessageBytes,
      });
      gateway = new DeviceGateway(opts, client, broker, db);
      client.onUnsolicited((m, c) => (gateway as DeviceGateway).dispatch(m, c));
      for (const e of early.splice(0)) gateway.onPresence(e);
      await gateway.connectListener();
      gateway.startSessionRechecks();
      log.info({ url: gateway.url, embedded: broker !== undefined }, 'device gateway ready');
      return gateway;
    } catch (err) {
      await broker?.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.debounce.values()) clearTimeout(t);
    this.debounce.clear();
    clearTimeout(this.listenerTimer);
    clearInterval(this.recheckTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.client.close();
    await this.broker?.close();
    await Promise.allSettled([...this.chains.values()]);
  }

  // ------------------------------------------------------------------------------------------------ routing

  /** Runs per-device work in arrival order (presence, then the check the device sends right after, …). */
  private serial(deviceId: string, work: () => Promise<void>): Promise<void> {
    const prev = this.chains.get(deviceId) ?? Promise.resolve();
    const next = prev.then(work).catch((err: unknown) => this.log.error({ err, deviceId }, 'device message handling failed'));
    this.chains.set(deviceId, next);
    void next.then(() => {
      if (this.chains.get(deviceId) === next) this.chains.delete(deviceId);
    });
    return next;
  }

  private onPresence(e: PresenceEvent): void {
    void this.serial(e.deviceId, async () => {
      const known = await this.inbox.recordPresence(e.deviceId, e.online, e.reason, e.at);
      // The login was checked a moment ago, but a delete or rotation may have landed since (its NOTIFY found no
      // session yet to drop): look again now that the session exists.
      if (e.online) await this.recheckSessions(e.deviceId);
      if (!known || this.closed) return;
      await signalDeviceSync(this.starter, e.deviceId, devicePresenceSignal, { online: e.online, at: e.at.toISOString() });
    });
  }

  private dispatch(message: UpMessage, context: UnsolicitedContext): Promise<void> {
    const deviceId = context.deviceId;
    if (context.lateAnswer) {
      // §1: the entries may have been applied; the re-push (or the next check) settles it.
      this.log.info({ deviceId, cmd: message.data.cmd, mid: message.mid }, 'late answer after its request timed out');
      return Promise.resolve();
    }
    return this.serial(deviceId, async () => {
      // External broker (MQTT_URL): no session hooks, so a device that speaks is online. Going offline
      // is not seen; requests to a vanished device time out and are resent with backoff instead.
      if (this.broker === undefined && (await this.inbox.markSeenOnline(deviceId, new Date())) && !this.closed) {
        await signalDeviceSync(this.starter, deviceId, devicePresenceSignal, { online: true, at: new Date().toISOString() });
      }
      const data = message.data;
      let known: boolean;
      switch (data.cmd) {
        case 'user_sync_check': {
          const checkId = await this.inbox.storeCheck(deviceId, message.mid, data.payload);
          known = checkId !== undefined;
          if (checkId !== undefined && !this.closed) {
            await signalDeviceSync(this.starter, deviceId, deviceSyncCheckSignal, { checkId });
          }
          break;
        }
        case 'access_data_upload': {
          const stored = await this.inbox.storeAccessEvents(deviceId, message.mid, data.payload.users);
          known = stored !== undefined;
          // §7: acknowledge with the same mid — also a re-send, whose events were already stored. Never for a device
          // that is not registered: the ack would tell a revoked door its events were kept.
          if (known) await this.client.acknowledge(message as UpMessage<'access_data_upload'>);
          this.log.debug({ deviceId, mid: message.mid, received: data.payload.users.length, stored }, 'access events');
          break;
        }
        case 'device_status_update':
          known = await this.inbox.storeDoorStatus(deviceId, data.payload.status, new Date(message.time * 1000));
          if (known) await this.client.acknowledge(message as UpMessage<'device_status_update'>);
          break;
        case 'access_capture':
          known = await this.inbox.storeCapture(deviceId, message.mid, data.payload);
          break;
        case 'feature_error':
          known = await this.inbox.storeFeatureErrors(deviceId, message.mid, data.payload.error_list);
          break;
        default:
          // An answer to a request of another process's link (matched there by mid), or a report nothing handles yet
          // (enrolment, remote-open statuses): the device spoke, so it is alive.
          if (ANSWER_CMDS.has(data.cmd)) this.log.debug({ deviceId, cmd: data.cmd, mid: message.mid }, 'an answer to a request sent by another link');
          else this.log.info({ deviceId, cmd: data.cmd, mid: message.mid }, 'device message not handled yet');
          known = await this.inbox.touch(deviceId);
      }
      if (!known) {
        // A session that outlived its device (deleted between its login and now): nothing was stored or acked.
        this.log.warn({ deviceId, cmd: data.cmd, mid: message.mid }, 'message from an unregistered device; dropped');
        await this.recheckSessions(deviceId);
      }
    });
  }

  // ------------------------------------------------------------------------------------------------ revocation

  /**
   * Closes the sessions (of `deviceId`, or all) whose device is no longer registered or that logged in with a
   * secret since rotated. Only the embedded broker has sessions to close; with MQTT_URL the broker's own auth
   * plugin must refuse them (docs/mosquitto.md).
   */
  private async recheckSessions(deviceId?: string): Promise<void> {
    const broker = this.broker;
    if (broker === undefined || this.closed) return;
    const sessions = broker.sessions().filter((x) => deviceId === undefined || x.deviceId === deviceId);
    for (const stale of await staleSessions(this.db, sessions)) {
      if (broker.revoke(stale.deviceId, stale.credential)) {
        this.log.info({ deviceId: stale.deviceId, why: stale.why }, 'dropped the session of a revoked device');
      }
    }
  }

  private recheckInBackground(deviceId?: string): void {
    this.recheckSessions(deviceId).catch((err: unknown) =>
      this.log.warn({ err, deviceId }, 'could not re-check device sessions'),
    );
  }

  private startSessionRechecks(): void {
    if (this.broker === undefined) return;
    this.recheckTimer = setInterval(() => this.recheckInBackground(), this.opts.sessionRecheckMs ?? 60_000);
    this.recheckTimer.unref();
  }

  // ------------------------------------------------------------------------------------------------ queue wake-ups

  /** True while the LISTEN connection is up (notifications arrive). */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  private async connectListener(): Promise<void> {
    const pg = new PgClient({ connectionString: this.opts.databaseUrl, application_name: LISTENER_APPLICATION_NAME });
    pg.on('notification', (n) => {
      if (n.payload === undefined) return;
      if (n.channel === DEVICE_SYNC_CHANNEL) this.wake(n.payload);
      else if (n.channel === DEVICE_REVOKED_CHANNEL) this.recheckInBackground(n.payload);
    });
    pg.on('error', (err) => this.listenerLost(pg, err));
    pg.on('end', () => this.listenerLost(pg));
    try {
      await pg.connect();
      await pg.query(`listen ${DEVICE_SYNC_CHANNEL}`);
      await pg.query(`listen ${DEVICE_REVOKED_CHANNEL}`);
    } catch (err) {
      await pg.end().catch(() => undefined);
      throw err;
    }
    this.listener = pg;
    // What was queued or revoked while nobody listened (no gateway yet, or a lost connection) is acted on now.
    try {
      for (const deviceId of await devicesWithQueuedOps(this.db)) this.wake(deviceId);
      await this.recheckSessions();
    } catch (err) {
      this.log.warn({ err }, 'could not catch up after (re)connecting the device listener; the periodic re-check will');
    }
  }

  private listenerLost(pg: PgClient, err?: Error): void {
    // Only the established connection counts; a failed attempt is retried by reconnectListener.
    if (this.listener !== pg) return;
    this.listener = undefined;
    pg.end().catch(() => undefined);
    if (this.closed) return;
    this.log.warn({ err: err?.message }, 'device listener connection lost; reconnecting');
    this.reconnectListener(0);
  }

  private reconnectListener(attempt: number): void {
    const delay = Math.min((this.opts.listenerRetryMs ?? 1000) * 2 ** attempt, 30_000);
    this.listenerTimer = setTimeout(() => {
      this.listenerTimer = undefined;
      if (this.closed) return;
      this.connectListener().then(
        () => this.log.info('device listener reconnected'),
        (err: unknown) => {
          this.log.warn({ err, attempt }, 'device listener could not reconnect');
          if (!this.closed && this.listener === undefined) this.reconnectListener(attempt + 1);
        },
      );
    }, delay);
  }

  private wake(deviceId: string): void {
    if (this.closed || this.debounce.has(deviceId)) return;
    const timer = setTimeout(() => {
      this.debounce.delete(deviceId);
      if (this.closed) return;
      signalDeviceSync(this.starter, deviceId, deviceQueueChangedSignal).catch((err: unknown) =>
        this.log.warn({ err, deviceId }, 'could not wake the device sync'),
      );
    }, this.opts.notifyDebounceMs ?? 50);
    this.debounce.set(deviceId, timer);
  }
}
