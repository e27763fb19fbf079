import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { disableNagle } from '../protocol/mqtt-socket';
import type { Logger } from '../../../logger';
import { DeviceState, type AccessRecord, type AccessRefusal, type DeviceUser } from './state';
import {
  ACTION,
  APP_SCAN_CODE,
  CONFIG_ANSWER_CODE,
  FEATURE_INPUT_STATUS,
  REMOTE_CONTROL_STATUS,
  SYNC_CHECK_REASON,
  USER_SYNC_CODE,
  encodeEnvelope,
  parseDownMessage,
  validateUpData,
  type AccessTimeWindow,
  type AccessType,
  type DownCmd,
  type DownMessage,
  type FeatureType,
  type UpCmd,
  type UpData,
  type UserSyncPayload,
} from '../protocol/messages';
import { DEFAULT_MODEL_PARAMS, type ModelParams } from '../protocol/model-params';
import { passDigest } from '../protocol/pass-digest';
import { CLOUD_QOS, downTopic, upTopic } from '../protocol/topics';
import { keyedRecord, ownValue } from '../../../own-key';

/**
 * A cloud access-control device that speaks the protocol over a real MQTT connection (STYLE 4). Built from the
 * seed (and digest) behaviour, section by section; the tests steer it in-process through the public methods.
 */

export interface SimulatedDeviceOptions {
  deviceId: string;
  secret: string;
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
  url: string;
  /** `to` of device-initiated messages (answers go to the request's `from`). */
  appId?: string;
  /** Fixed traits; missing ones take the §15 defaults (user_capacity 1000). */
  model?: Partial<ModelParams>;
  /** Delay before each answer; 0 answers at once (benchmarks measure protocol overhead). */
  latencyMs?: number;
  /** §7 "e.g. every 5 s". */
  eventBatchMs?: number;
  /** §7: re-upload an unacknowledged batch after "about 60 s". */
  eventResendMs?: number;
  /** choice: the seed gives no batch limit. */
  maxEventsPerBatch?: number;
  /** §9 "repeat the latest status until acked"; the seed gives no period (choice: 10 s). */
  statusResendMs?: number;
  /** §3: capture takes this long before "complete" (choice: 50 ms in the simulator). */
  captureMs?: number;
  keepaliveSeconds?: number;
  /** Reconnect by itself after a lost connection (not after goOffline). Default 1000 ms; 0 = never. */
  reconnectPeriodMs?: number;
  logger?: Logger;
  now?: () => Date;
}

export interface SimulatedDeviceCounters {
  received: Record<string, number>;
  rejected: number;
  answersSent: number;
  answersDropped: number;
  busyAnswers: number;
  checksSent: number;
  eventBatchesSent: number;
  eventBatchesResent: number;
  eventBatchesAcked: number;
  statusSent: number;
  connects: number;
  /** CONNACK refusals (bad credentials, not authorised): e.g. reconnecting with a secret that was revoked. */
  loginsRefused: number;
}

interface InflightBatch {
  records: AccessRecord[];
  /** ms epoch of the last upload; 0 = upload at the next tick. */
  sentAt: number;
}

interface Capture {
  mid: string;
  to: string;
  userId: number;
  featureType: FeatureType;
  timer: NodeJS.Timeout;
}

interface RemoteAuthorisation {
  mid: string;
  to: string;
  adminId: number;
  accessCode: string;
  expireTime: number;
  triesLeft: number;
}

/** §11 "after a few wrong tries (e.g. 3)". */
const REMOTE_CODE_TRIES = 3;

export class SimulatedDevice {
  readonly deviceId: string;
  readonly state: DeviceState;
  readonly counters: SimulatedDeviceCounters = {
    received: keyedRecord(),
    rejected: 0,
    answersSent: 0,
    answersDropped: 0,
    busyAnswers: 0,
    checksSent: 0,
    eventBatchesSent: 0,
    eventBatchesResent: 0,
    eventBatchesAcked: 0,
    statusSent: 0,
    connects: 0,
    loginsRefused: 0,
  };
  /** Every user_sync payload received, in order (tests read what was pushed; capped at 100k). */
  readonly userSyncLog: UserSyncPayload[] = [];
  /** The last accepted envelope of each down command (tests read what went over the wire, envelope included). */
  private readonly lastDownByCmd = new Map<string, DownMessage>();
  private client: MqttClient | undefined;
  /** False from (re)connect until status and check went out: events wait for them (§9 "first thing"). */
  private ready = false;
  private busyUntil = 0;
  private answersToDrop = 0;
  private latencyMs: number;
  private readonly pendingRecords: AccessRecord[] = [];
  private readonly inflight = new Map<string, InflightBatch>();
  private door: { status: 0 | 1; mid: string; acked: boolean } | undefined;
  private capture: Capture | undefined;
  private remote: RemoteAuthorisation | undefined;
  /** §12: current and previous QR codes are both valid. */
  private qrCodes: [string, string];
  private eventTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly now: () => Date;
  private readonly appId: string;
  private secret: string;

  constructor(private readonly opts: SimulatedDeviceOptions) {
    this.deviceId = opts.deviceId;
    this.secret = opts.secret;
    const model = { ...DEFAULT_MODEL_PARAMS, ...opts.model };
    this.state = new DeviceState(model.userCapacity);
    this.latencyMs = opts.latencyMs ?? 0;
    this.now = opts.now ?? (() => new Date());
    this.appId = opts.appId ?? 'gatesync';
    this.qrCodes = [sixDigits(), sixDigits()];
  }

  // ------------------------------------------------------------------------------------------------ controls

  /** Connects, subscribes to its down topic, reports door status and runs a consistency check (§2, §9). */
  async start(): Promise<void> {
    await this.goOnline();
    this.eventTimer = setInterval(() => this.eventTick(), this.opts.eventBatchMs ?? 5000);
  }

  async stop(): Promise<void> {
    if (this.eventTimer) clearInterval(this.eventTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.capture) clearTimeout(this.capture.timer);
    this.stopStatusTimer();
    await this.goOffline();
  }

  /** `abrupt`: the socket just dies (no DISCONNECT), as on power loss; the broker sees a lost connection. */
  async goOffline(opts: { abrupt?: boolean } = {}): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    if (opts.abrupt) {
      client.stream.destroy();
      await client.endAsync(true);
    } else {
      // Without a connection (dropped, or a login refused) a clean end would wait forever for the QoS 1
      // publishes in flight to be acknowledged.
      await client.endAsync(!client.connected);
    }
  }

  async goOnline(): Promise<void> {
    if (this.client !== undefined) return;
    const client = await connectAsync(this.opts.url, {
      clientId: this.deviceId,
      username: this.deviceId,
      password: this.secret,
      clean: true,
      keepalive: this.opts.keepaliveSeconds ?? 30,
      reconnectPeriod: this.opts.reconnectPeriodMs ?? 1000,
      connectTimeout: 10_000,
    });
    disableNagle(client);
    this.client = client;
    client.on('message', (_topic, payload) => {
      try {
        this.onDownMessage(payload);
      } catch (err) {
        this.opts.logger?.error({ err, deviceId: this.deviceId }, 'simulated device failed on a message');
      }
    });
    client.on('error', (err) => {
      // MQTT 3.1.1 §3.2.2.3: 4 bad user name or password, 5 not authorised.
      const code = (err as { code?: unknown }).code;
      if (code === 4 || code === 5) this.counters.loginsRefused += 1;
      this.opts.logger?.debug({ deviceId: this.deviceId, err: err.message }, 'device MQTT error');
    });
    // Later automatic reconnects run the same "first thing after reconnecting" sequence.
    client.on('connect', () => {
      if (this.client === client) this.afterConnect(client).catch(() => undefined);
    });
    await this.afterConnect(client);
  }

  get online(): boolean {
    return this.client?.connected === true;
  }

  /** An installer enters a new secret (after the platform rotated it) and the device connects again with it. */
  async reconnectWith(secret: string): Promise<void> {
    await this.goOffline();
    this.secret = secret;
    await this.goOnline();
  }

  /** Answer user_sync with code 2 (busy) for the next `ms` milliseconds (§1). */
  setBusy(ms: number): void {
    this.busyUntil = Date.now() + ms;
  }

  /** Apply, but do not answer, the next `n` commands — the seed's "response not guaranteed" (§1). */
  dropNextAnswers(n: number): void {
    this.answersToDrop = n;
  }

  setCapacity(userCapacity: number): void {
    this.state.userCapacity = userCapacity;
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  users(): DeviceUser[] {
    return [...this.state.users.values()].map((u) => ({ ...u, fa: [...u.fa], fp: [...u.fp] }));
  }

  hash(): string {
    return this.state.hash();
  }

  openingHours(): AccessTimeWindow[] | undefined {
    return this.state.openingHours?.map((w) => ({ ...w, day: [...w.day] }));
  }

  properties(): Record<string, { value: string; extValue?: string }> {
    return Object.fromEntries(this.state.properties);
  }

  /** The last accepted message of this command, as received (envelope and parsed data); undefined if none came. */
  lastReceived<C extends DownCmd>(cmd: C): DownMessage<C> | undefined {
    return this.lastDownByCmd.get(cmd) as DownMessage<C> | undefined;
  }

  /** Records not yet acknowledged: queued plus in flight. */
  unacknowledgedEvents(): number {
    let n = this.pendingRecords.length;
    for (const batch of this.inflight.values()) n += batch.records.length;
    return n;
  }

  /** Simulates a local anomaly: a user appears that the application never pushed (for check mismatches). */
  corruptLocalUser(user: Pick<DeviceUser, 'userId' | 'name'>): void {
    this.state.users.set(user.userId, { ...user, userType: 0, fa: [], fp: [], expireTime: 0, admin: false });
  }

  /** Sends user_sync_check now (§2), as at midnight or after an anomaly. */
  async requestCheck(reason: 0 | 1 = SYNC_CHECK_REASON.routine): Promise<void> {
    await this.sendUp({
      cmd: 'user_sync_check',
      payload: { size: this.state.users.size, hash: this.state.hash(), reason },
    });
    this.counters.checksSent += 1;
  }

  /**
   * `n` door attempts by held users (round robin from a random start), decided like the door would; the ones
   * that open are queued for upload. Returns the number queued.
   */
  generateAccessEvents(n: number, opts: { accessType?: AccessType; at?: Date } = {}): number {
    const ids = [...this.state.users.keys()];
    if (ids.length === 0) return 0;
    const start = randomInt(ids.length);
    let queued = 0;
    for (let i = 0; i < n; i += 1) {
      const userId = ids[(start + i) % ids.length] as number;
      if (this.attemptAccess(userId, opts.accessType ?? 'fa', opts.at) !== undefined) queued += 1;
    }
    return queued;
  }

  /** One door attempt; the record when the door opened, else `undefined` (refusal reason in `lastRefusal`). */
  attemptAccess(userId: number, accessType: AccessType, at: Date = this.now()): AccessRecord | undefined {
    const result: AccessRecord | AccessRefusal = this.state.attemptAccess(userId, accessType, at);
    if (typeof result === 'string') {
      this.lastRefusal = result;
      return undefined;
    }
    this.pendingRecords.push(result);
    return result;
  }

  lastRefusal: AccessRefusal | undefined;

  /** Runs the batch tick now instead of waiting for it. */
  flushEvents(): void {
    this.eventTick();
  }

  /** §13: uploads a snapshot (no acknowledgement exists for it). */
  async uploadCapture(image: Buffer, opts: { userId?: number; at?: Date } = {}): Promise<void> {
    await this.sendUp({
      cmd: 'access_capture',
      payload: {
        ...(opts.userId !== undefined ? { user_id: opts.userId } : {}),
        capture_data: image.toString('base64'),
        capture_time: Math.floor((opts.at ?? this.now()).getTime() / 1000),
      },
    });
  }

  /** §5: reports features the device could not use. */
  async reportFeatureErrors(errorList: UpData<'feature_error'>['payload']['error_list']): Promise<void> {
    await this.sendUp({ cmd: 'feature_error', payload: { error_list: errorList } });
  }

  /** Door sensor change (§9): reported until acknowledged. */
  setDoorState(status: 0 | 1): void {
    this.door = { status, mid: newMid(), acked: false };
    this.sendDoorStatus();
  }

  doorStatusAcknowledged(): boolean {
    return this.door?.acked === true;
  }

  /** The 6-digit code the QR code carries now (§12). */
  currentQrCode(): string {
    return this.qrCodes[0];
  }

  /** The visitor types a remote-open code on the keypad (§11). Returns the status reported. */
  async enterRemoteCode(code: string): Promise<number | undefined> {
    const auth = this.remote;
    if (auth === undefined) return undefined;
    const nowSec = Math.floor(this.now().getTime() / 1000);
    let status: number;
    if (nowSec > auth.expireTime) {
      status = REMOTE_CONTROL_STATUS.timedOut;
      this.remote = undefined;
    } else if (passDigest(code) === auth.accessCode.toLowerCase()) {
      status = REMOTE_CONTROL_STATUS.opened;
      this.remote = undefined;
      // §11: on success the device also uploads a record with access_type "remote" and the admin's id.
      this.pendingRecords.push(
        this.state.record({ userId: auth.adminId, userType: 0, accessType: 'remote', accessTime: nowSec }),
      );
    } else {
      auth.triesLeft -= 1;
      if (auth.triesLeft > 0) return undefined;
      status = REMOTE_CONTROL_STATUS.tooManyTries;
      this.remote = undefined;
    }
    await this.sendUp({ cmd: 'access_remote_control', status } as UpData<'access_remote_control'>, auth.mid, auth.to);
    return status;
  }

  // ------------------------------------------------------------------------------------------------ protocol

  private async afterConnect(client: MqttClient): Promise<void> {
    this.ready = false;
    this.counters.connects += 1;
    const inflightBefore = [...this.inflight.values()];
    await client.subscribeAsync(downTopic(this.deviceId), { qos: CLOUD_QOS });
    // §9: "reports it first thing after reconnecting"; then §2: a check on every (re)connect.
    if (this.door !== undefined && !this.door.acked) this.sendDoorStatus();
    await this.requestCheck(0);
    // Batches that were in flight when the connection dropped go again without waiting for the resend timer.
    for (const batch of inflightBefore) batch.sentAt = 0;
    this.ready = true;
    this.eventTick();
  }

  private onDownMessage(payload: Buffer): void {
    const parsed = parseDownMessage(payload);
    if (!parsed.ok) {
      this.counters.rejected += 1;
      this.opts.logger?.warn(
        { deviceId: this.deviceId, reason: parsed.reason, detail: parsed.detail },
        'device ignored a message',
      );
      return;
    }
    const message = parsed.message;
    const cmd = message.data.cmd;
    this.counters.received[cmd] = (ownValue(this.counters.received, cmd) ?? 0) + 1;
    this.lastDownByCmd.set(cmd, message);
    this.handle(message);
  }

  private handle(message: DownMessage): void {
    const { data } = message;
    switch (data.cmd) {
      case 'user_sync': {
        if (this.userSyncLog.length < 100_000) this.userSyncLog.push(data.payload);
        if (Date.now() < this.busyUntil) {
          this.counters.busyAnswers += 1;
          return this.answer(message, { cmd: 'user_sync', payload: { code: USER_SYNC_CODE.busy } });
        }
        const outcome = this.state.applyUserSync(data.payload);
        const payload =
          outcome.code === USER_SYNC_CODE.ok
            ? { code: USER_SYNC_CODE.ok, sync_size: outcome.syncSize }
            : { code: outcome.code };
        return this.answer(message, { cmd: 'user_sync', payload });
      }
      case 'access_time_config':
        this.state.setOpeningHours(data.payload.times);
        return this.answer(message, { cmd: 'access_time_config', payload: { code: CONFIG_ANSWER_CODE.ok, msg: '' } });
      case 'property_update':
        this.state.applyProperties(data.payload.properties);
        return this.answer(message, { cmd: 'property_update', payload: { code: CONFIG_ANSWER_CODE.ok, msg: '' } });
      case 'access_data_upload':
        if (this.inflight.delete(message.mid)) this.counters.eventBatchesAcked += 1;
        return;
      case 'device_status_update':
        if (this.door !== undefined && this.door.mid === message.mid) {
          this.door.acked = true;
          this.stopStatusTimer();
        }
        return;
      case 'checkin_upload':
        // §8: "starts uploading without further checks".
        this.pendingRecords.push(...this.state.recordsOfLastDays(data.payload.days, this.now()));
        return this.eventTick();
      case 'feature_input':
        return this.startCapture(message, data.payload.user_id, data.payload.feature_type);
      case 'feature_input_cancel': {
        const c = this.capture;
        // §4: only when both match the capture in progress; otherwise ignored.
        if (c === undefined || c.userId !== data.payload.user_id || c.featureType !== data.payload.feature_type) return;
        clearTimeout(c.timer);
        this.capture = undefined;
        this.sendUp(
          { cmd: 'feature_input', payload: { user_id: c.userId, input_status: FEATURE_INPUT_STATUS.cancelled } },
          c.mid,
          c.to,
        ).catch(() => undefined);
        return;
      }
      case 'access_remote_control': {
        const { admin_id: adminId, access_code: accessCode, expire_time: expireTime } = data.payload;
        const nowSec = Math.floor(this.now().getTime() / 1000);
        if (accessCode === undefined) {
          // §11: no code = emergency open at once.
          this.pendingRecords.push(
            this.state.record({ userId: adminId, userType: 0, accessType: 'remote', accessTime: nowSec }),
          );
          return this.answer(message, { cmd: 'access_remote_control', status: REMOTE_CONTROL_STATUS.opened });
        }
        this.remote = {
          mid: message.mid,
          to: message.from,
          adminId,
          accessCode,
          expireTime: expireTime ?? nowSec,
          triesLeft: REMOTE_CODE_TRIES,
        };
        return this.answer(message, { cmd: 'access_remote_control', status: REMOTE_CONTROL_STATUS.ready });
      }
      case 'access_app_scan': {
        const { user_id: userId, access_code: accessCode } = data.payload;
        const user = this.state.users.get(userId);
        if (user === undefined)
          return this.answer(message, { cmd: 'access_app_scan', code: APP_SCAN_CODE.unknownUser });
        if (!this.qrCodes.some((c) => passDigest(c) === accessCode.toLowerCase())) {
          return this.answer(message, { cmd: 'access_app_scan', code: APP_SCAN_CODE.wrongCode });
        }
        const opened = this.attemptAccess(userId, 'app_scan');
        if (opened === undefined)
          return this.answer(message, {
            cmd: 'access_app_scan',
            code: this.lastRefusal === 'outsideOpeningHours' ? APP_SCAN_CODE.outsideHours : APP_SCAN_CODE.unknownUser,
          });
        // §12: refresh the QR code after a successful open; the previous one stays valid.
        this.qrCodes = [sixDigits(), this.qrCodes[0]];
        return this.answer(message, { cmd: 'access_app_scan', code: APP_SCAN_CODE.opened });
      }
    }
  }

  private startCapture(message: DownMessage, userId: number, featureType: FeatureType): void {
    const report = (payload: UpData<'feature_input'>['payload']) =>
      this.sendUp({ cmd: 'feature_input', payload }, message.mid, message.from).catch(() => undefined);
    if (!this.state.users.has(userId)) {
      // §3 status 6, and the device then checks its people (§2). choice: reason 1, a local anomaly.
      this.answer(message, {
        cmd: 'feature_input',
        payload: { user_id: userId, input_status: FEATURE_INPUT_STATUS.userNotOnDevice },
      });
      this.requestCheck(SYNC_CHECK_REASON.anomaly).catch(() => undefined);
      return;
    }
    if (this.capture !== undefined) {
      return this.answer(message, {
        cmd: 'feature_input',
        payload: { user_id: userId, input_status: FEATURE_INPUT_STATUS.busy },
      });
    }
    const timer = setTimeout(() => {
      this.capture = undefined;
      const value = randomBytes(48).toString('base64');
      const user = this.state.users.get(userId);
      // §3: stored locally at once, whether or not the upload succeeds.
      if (user !== undefined && (featureType === 'fa' || featureType === 'fp')) user[featureType].push(value);
      void report({
        user_id: userId,
        input_status: FEATURE_INPUT_STATUS.complete,
        feature_type: featureType,
        feature_value: value,
      });
    }, this.opts.captureMs ?? 50);
    this.capture = { mid: message.mid, to: message.from, userId, featureType, timer };
    this.answer(message, {
      cmd: 'feature_input',
      payload: { user_id: userId, input_status: FEATURE_INPUT_STATUS.ready },
    });
  }

  /** An answer carries the request's mid and goes to its sender (seed: "确认消息的mid必须与请求一致"). */
  private answer<C extends UpCmd>(request: DownMessage, data: UpData<C>): void {
    if (this.answersToDrop > 0) {
      this.answersToDrop -= 1;
      this.counters.answersDropped += 1;
      return;
    }
    const send = () => {
      this.sendUp(data, request.mid, request.from).then(
        () => {
          this.counters.answersSent += 1;
        },
        () => undefined,
      );
    };
    if (this.latencyMs <= 0) return send();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send();
    }, this.latencyMs);
    this.timers.add(timer);
  }

  private async sendUp(data: UpData, mid: string = newMid(), to: string = this.appId): Promise<void> {
    const client = this.client;
    if (client === undefined || !client.connected) throw new Error(`${this.deviceId} is offline`);
    // The simulator must not send what the protocol forbids: its own messages pass the same schemas.
    validateUpData(data);
    const envelope = {
      mid,
      from: this.deviceId,
      to,
      time: Math.floor(this.now().getTime() / 1000),
      action: ACTION.deviceToApp,
      data,
    };
    await client.publishAsync(upTopic(this.deviceId), encodeEnvelope(envelope), { qos: CLOUD_QOS });
  }

  /**
   * §7: records go up in batches; a batch without an ack is uploaded again after `eventResendMs`. choice: one
   * batch in flight at a time keeps records in order, and a re-upload keeps its mid so the application can
   * recognise the batch as well as its records (the seed says neither).
   */
  private eventTick(): void {
    if (!this.online || !this.ready) return;
    const now = Date.now();
    const resendMs = this.opts.eventResendMs ?? 60_000;
    for (const [mid, batch] of this.inflight) {
      if (now - batch.sentAt < resendMs) continue;
      batch.sentAt = now;
      this.counters.eventBatchesResent += 1;
      this.uploadBatch(mid, batch.records);
    }
    if (this.pendingRecords.length === 0 || this.inflight.size > 0) return;
    const records = this.pendingRecords.splice(0, this.opts.maxEventsPerBatch ?? 100);
    const mid = newMid();
    this.inflight.set(mid, { records, sentAt: now });
    this.counters.eventBatchesSent += 1;
    this.uploadBatch(mid, records);
  }

  private uploadBatch(mid: string, records: AccessRecord[]): void {
    const users = records.map((r) => ({
      user_id: r.userId,
      user_type: r.userType,
      access_type: r.accessType,
      access_time: r.accessTime,
    }));
    this.sendUp({ cmd: 'access_data_upload', payload: { users } }, mid).catch(() => undefined);
  }

  private sendDoorStatus(): void {
    const door = this.door;
    if (door === undefined || door.acked) return;
    this.sendUp({ cmd: 'device_status_update', payload: { status: door.status } }, door.mid).then(
      () => {
        this.counters.statusSent += 1;
      },
      () => undefined,
    );
    this.stopStatusTimer();
    this.statusTimer = setTimeout(() => this.sendDoorStatus(), this.opts.statusResendMs ?? 10_000);
  }

  private stopStatusTimer(): void {
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
  }
}

function newMid(): string {
  return randomUUID().replace(/-/g, '');
}

function sixDigits(): string {
  return String(randomInt(1_000_000)).padStart(6, '0');
}
