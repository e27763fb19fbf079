import { clearDeviceAlerts, type AlertClearCause } from '../../db/repositories/devices/device-alerts';
import {
  desiredPage,
  upsertEntry,
  type Db,
  type DesiredPage,
  type DesiredRow,
} from '../../db/repositories/devices/device-people';
import { flushResync, setResyncState, type ResyncRow } from '../../db/repositories/devices/device-resync-store';
import type { DeviceSyncState } from '../../db/repositories/devices/device-state';
import { USER_SYNC_CODE, type DownFields, type UpData } from '../../targets/devices/protocol/messages';
import type { DevicePushCounts, ResyncPushResult } from '../../contracts/devices';
import { heartbeat } from '../heartbeat';

/** Per-batch flush of a full resync's acknowledgements: at most this many entries or this long unwritten. */
const RESYNC_FLUSH_ENTRIES = 1000;
const RESYNC_FLUSH_MS = 250;
/** Presence is re-read from the database at most this often inside a resync loop. */
const PRESENCE_RECHECK_MS = 500;

type Outcome = ResyncPushResult['outcome'];

/** What the resync push needs from the device activities around it. */
export interface ResyncPushIo {
  db(): Db;
  loadDevice(deviceId: string): Promise<DeviceSyncState | undefined>;
  userSync(deviceId: string, payload: DownFields<'user_sync'>['payload']): Promise<UpData<'user_sync'>['payload']>;
  raiseAnswerAlert(deviceId: string, kind: 'busy' | 'capacityFull', detail: string): Promise<void>;
  syncSucceeded(deviceId: string, d: DeviceSyncState, cause: AlertClearCause): Promise<void>;
}

export interface ResyncPushInput {
  deviceId: string;
  runKey: string;
  budgetMs: number;
}

/** Where the run stands: what a flush writes. */
interface ResyncProgress {
  afterUserId: number;
  sent: number;
  batches: number;
}

/** The people the device should hold, in user_id order, one read at a time, each from where the last one ended. */
class DesiredStream {
  readonly ahead: DesiredRow[] = [];
  private fetchedUpTo: number;
  private exhausted = false;
  /**
   * The next page, read while the device works on the current batch. A read still in flight when the activity
   * returns is dropped: the next attempt reads from its own cursor.
   */
  private nextPage: Promise<DesiredPage> | null = null;

  constructor(
    private readonly io: ResyncPushIo,
    private readonly deviceId: string,
    afterUserId: number,
    private readonly pageSize: number,
  ) {
    this.fetchedUpTo = afterUserId;
  }

  /** The first batch leaves after reading one batch, not a page; the first page is read during its round trip. */
  async readFirstBatch(size: number): Promise<void> {
    if (this.pageSize > size) this.take(await this.read(size));
  }

  /** At least `size` people ahead (or all that are left), and the next page on its way. */
  async fill(size: number): Promise<void> {
    while (this.ahead.length < size && !this.exhausted) await this.takePage();
    // Read the next page as soon as this one is started on: a page read takes longer than a few round trips.
    if (this.ahead.length < this.pageSize) this.readAhead();
  }

  private read(limit: number): Promise<DesiredPage> {
    const p = desiredPage(this.io.db(), this.deviceId, this.fetchedUpTo, limit);
    // Awaited where it is taken; a failure surfaces there, not as an unhandled rejection.
    p.catch(() => undefined);
    return p;
  }

  private take(page: DesiredPage): void {
    this.ahead.push(...page.rows);
    if (page.upTo !== null) this.fetchedUpTo = page.upTo;
    if (page.last) this.exhausted = true;
  }

  private readAhead(): void {
    if (this.nextPage === null && !this.exhausted) this.nextPage = this.read(this.pageSize);
  }

  private async takePage(): Promise<void> {
    this.readAhead();
    const page = await (this.nextPage as Promise<DesiredPage>);
    this.nextPage = null;
    this.take(page);
  }
}

/**
 * Writes of what the device confirmed run behind the device's round trips, one at a time and in order (the
 * first carries the reset). A crash before one lands only means those entries are sent again on the retry;
 * after a failed write the later ones are skipped, so the cursor never passes entries it did not record.
 */
class AckWriter {
  private unflushed: { u: number; v: string }[] = [];
  private resetUnflushed = false;
  private flushedAt = Date.now();
  private writing: Promise<void> = Promise.resolve();
  private writeError: unknown;

  constructor(
    private readonly io: ResyncPushIo,
    private readonly input: ResyncPushInput,
  ) {}

  ackReset(): void {
    this.resetUnflushed = true;
  }

  ack(rows: DesiredRow[]): void {
    for (const r of rows) this.unflushed.push({ u: r.user_id, v: r.version });
  }

  get due(): boolean {
    return this.unflushed.length >= RESYNC_FLUSH_ENTRIES || Date.now() - this.flushedAt >= RESYNC_FLUSH_MS;
  }

  start(progress: ResyncProgress): void {
    if (this.unflushed.length === 0 && !this.resetUnflushed) return;
    const snapshot = {
      deviceId: this.input.deviceId,
      runKey: this.input.runKey,
      reset: this.resetUnflushed,
      acked: this.unflushed,
      ...progress,
    };
    this.unflushed = [];
    this.resetUnflushed = false;
    this.flushedAt = Date.now();
    this.writing = this.writing
      .then(() => (this.writeError === undefined ? flushResync(this.io.db(), snapshot) : undefined))
      .catch((e: unknown) => {
        this.writeError ??= e;
      });
  }

  async flush(progress: ResyncProgress): Promise<void> {
    this.start(progress);
    await this.writing;
    this.throwIfFailed();
  }

  /** The writes under way, finished (a failed one is kept, not thrown). */
  async settled(): Promise<void> {
    await this.writing;
  }

  throwIfFailed(): void {
    if (this.writeError !== undefined) throw this.writeError;
  }
}

/**
 * One attempt of a running full resync (digest §1/§2): batches of the desired people, `reset: true` and
 * `total_count` on the first message until it is acknowledged, until the budget is spent or the device answers
 * something the workflow must act on.
 */
export class FullResyncPush {
  private readonly counts: DevicePushCounts = { batches: 0, applied: 0, partial: 0 };
  private presenceReadAt = Date.now();
  private cursor: number;
  private resetAcked: boolean;
  private sent: number;
  private batches: number;
  private readonly stream: DesiredStream;
  private acks: AckWriter | undefined;

  constructor(
    private readonly io: ResyncPushIo,
    private readonly input: ResyncPushInput,
    private readonly run: ResyncRow,
    private d: DeviceSyncState,
    private readonly started: number,
  ) {
    this.cursor = run.after_user_id;
    this.resetAcked = run.reset_acked;
    this.sent = run.sent;
    this.batches = run.batches;
    this.stream = new DesiredStream(io, input.deviceId, this.cursor, Math.max(d.user_sync_size, 1000));
  }

  async push(): Promise<ResyncPushResult> {
    await this.stream.readFirstBatch(this.d.user_sync_size);
    const acks = new AckWriter(this.io, this.input);
    this.acks = acks;
    try {
      for (;;) {
        const outcome = await this.round(acks);
        if (outcome !== undefined) return this.result(outcome);
      }
    } catch (e) {
      // What the device confirmed stays confirmed; the retry re-sends from there.
      await acks.flush(this.progress()).catch(() => undefined);
      throw e;
    }
  }

  /** One batch to the device; an outcome when the attempt ends. */
  private async round(acks: AckWriter): Promise<Outcome | undefined> {
    const { deviceId, runKey } = this.input;
    if (Date.now() - this.presenceReadAt >= PRESENCE_RECHECK_MS) {
      const d = await this.io.loadDevice(deviceId);
      this.presenceReadAt = Date.now();
      if (d === undefined) {
        // Nothing to record for a deleted device; only let the writes under way finish.
        await acks.settled();
        return 'deviceGone';
      }
      this.d = d;
    }
    if (!this.d.online) return await this.flushThen(acks, 'offline');
    const size = this.d.user_sync_size;
    await this.stream.fill(size);
    const batch = this.stream.ahead.slice(0, size);
    if (batch.length === 0 && this.resetAcked) {
      await acks.flush(this.progress());
      await setResyncState(this.io.db(), deviceId, runKey, 'completed');
      await this.io.syncSucceeded(deviceId, this.d, 'queueDrained');
      return 'completed';
    }
    const users = batch.map(upsertEntry);
    const answer = await this.io.userSync(
      deviceId,
      this.resetAcked ? { reset: false, users } : { reset: true, total_count: this.run.total, users },
    );
    if (answer.code === USER_SYNC_CODE.capacityFull) {
      await acks.flush(this.progress());
      await this.io.raiseAnswerAlert(deviceId, 'capacityFull', 'capacity full during a full resync');
      await setResyncState(this.io.db(), deviceId, runKey, 'capacityFull');
      return 'capacityFull';
    }
    if (answer.code === USER_SYNC_CODE.busy) {
      await acks.flush(this.progress());
      await this.io.raiseAnswerAlert(deviceId, 'busy', 'device busy');
      return 'busy';
    }
    return await this.acknowledged(acks, batch, Math.min(answer.sync_size ?? 0, batch.length));
  }

  /** §1 code 0: the first `applied` entries of the batch landed; the tail goes again. */
  private async acknowledged(acks: AckWriter, batch: DesiredRow[], applied: number): Promise<Outcome | undefined> {
    if (!this.resetAcked) await this.resetAcknowledged(acks);
    await this.io.syncSucceeded(this.input.deviceId, this.d, 'pushAcknowledged');
    this.stream.ahead.splice(0, applied);
    acks.ack(batch.slice(0, applied));
    if (applied > 0) this.cursor = (batch[applied - 1] as DesiredRow).user_id;
    this.sent += applied;
    this.batches++;
    this.counts.batches++;
    this.counts.applied += applied;
    if (applied < batch.length) this.counts.partial++;
    if (applied === 0 && batch.length > 0) return await this.flushThen(acks, 'noProgress');
    acks.throwIfFailed();
    if (acks.due) {
      acks.start(this.progress());
      heartbeat({ sent: this.sent, total: this.run.total });
    }
    if (Date.now() - this.started >= this.input.budgetMs) return await this.flushThen(acks, 'more');
    return undefined;
  }

  private async resetAcknowledged(acks: AckWriter): Promise<void> {
    this.resetAcked = true;
    acks.ackReset();
    // §1 reset: the device deleted all local people, so it has room again.
    if (this.d.capacity_full) {
      await clearDeviceAlerts(this.io.db(), this.input.deviceId, ['capacityFull'], 'resetAcknowledged');
      this.d.capacity_full = false;
    }
  }

  private async flushThen(acks: AckWriter, outcome: Outcome): Promise<Outcome> {
    await acks.flush(this.progress());
    return outcome;
  }

  private progress(): ResyncProgress {
    return { afterUserId: this.cursor, sent: this.sent, batches: this.batches };
  }

  private result(outcome: Outcome): ResyncPushResult {
    return { outcome, counts: this.counts, total: this.run.total, sent: this.sent };
  }
}
