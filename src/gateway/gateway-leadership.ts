import { Client as PgClient } from 'pg';
import type { Logger } from '../logger';

/**
 * Exactly one active device gateway per deployment, any number of hot standbys: leader election on PostgreSQL.
 *
 * Every gateway process campaigns for one session-level advisory lock on a connection of its own. The holder is
 * the active gateway (it runs the embedded broker, or subscribes to the external one, and handles what devices
 * say); the others try again every `pollMs`. A session lock belongs to the connection, so when the active process
 * dies — SIGKILL included — PostgreSQL drops the lock with the connection and a standby takes over on its next
 * try, within about a second. The active one checks its own connection every `heartbeatMs`; if that fails it may
 * have lost the lock already, so it stops its gateway at once (fencing) and campaigns again.
 *
 * Chosen over MQTT shared subscriptions because it also covers the embedded broker (which lives in the gateway
 * process and must run once) and works with any broker; PostgreSQL is already the one service every process has.
 * The cost is a takeover of up to `pollMs` plus the devices' reconnect, during which devices buffer (§7 re-sends).
 */

/** What an active gateway gives back: stopping it when leadership is lost or the process stops. */
export interface ActiveGateway {
  close(): Promise<void>;
}

export interface GatewayLeadershipOptions {
  databaseUrl: string;
  logger: Logger;
  /** Starts the gateway once this process holds the lock. A failure (e.g. the port is still taken) gives the lock back. */
  becomeActive: () => Promise<ActiveGateway>;
  /** A standby tries to take over this often (default 1000 ms). */
  pollMs?: number;
  /** The active gateway checks its lock connection this often (default 2000 ms). */
  heartbeatMs?: number;
}

export type GatewayRole = 'standby' | 'active' | 'stopped';

/** The lock's key: one per deployment (per database), apart from the per-terminal locks' `terminal:<id>` keys. */
const LEADER_LOCK_KEY = 'gatesync:device-gateway';
/** Its `application_name`, so an operator (or a test) can see in pg_stat_activity which backend leads. */
export const LEADER_APPLICATION_NAME = 'gatesync-gateway-leader';

export class GatewayLeadership {
  private pg: PgClient | undefined;
  private active: ActiveGateway | undefined;
  private timer: NodeJS.Timeout | undefined;
  private current: GatewayRole = 'standby';
  private readonly log: Logger;
  private readonly roleWaiters: Array<{ role: GatewayRole; resolve: () => void }> = [];
  private step: Promise<void> = Promise.resolve();

  private constructor(private readonly opts: GatewayLeadershipOptions) {
    this.log = opts.logger.child({ component: 'gateway-leadership' });
  }

  /** Begins campaigning; resolves at once (the first attempt runs in the background). */
  static start(opts: GatewayLeadershipOptions): GatewayLeadership {
    const l = new GatewayLeadership(opts);
    l.log.info('device gateway started as standby; campaigning for the active role');
    l.schedule(0);
    return l;
  }

  get role(): GatewayRole {
    return this.current;
  }

  /** Resolves when this process reaches `role` (tests, and `npm start` waiting for its own gateway). */
  whenRole(role: GatewayRole): Promise<void> {
    if (this.current === role) return Promise.resolve();
    return new Promise((resolve) => this.roleWaiters.push({ role, resolve }));
  }

  /** Steps down (stopping the gateway if active) and ends the lock connection, which frees the lock. */
  async close(): Promise<void> {
    if (this.is('stopped')) return;
    this.setRole('stopped');
    clearTimeout(this.timer);
    await this.step;
    await this.stepDown();
  }

  /** The role now (a method, so that checks after an await are not narrowed away by the compiler). */
  private is(role: GatewayRole): boolean {
    return this.current === role;
  }

  private setRole(role: GatewayRole): void {
    this.current = role;
    for (const w of this.roleWaiters.splice(0)) {
      if (w.role === role) w.resolve();
      else this.roleWaiters.push(w);
    }
  }

  private schedule(delayMs: number): void {
    if (this.is('stopped')) return;
    this.timer = setTimeout(() => {
      this.step = this.tick().catch((err: unknown) => this.log.error({ err }, 'leadership step failed'));
    }, delayMs);
  }

  private async tick(): Promise<void> {
    if (this.is('stopped')) return;
    if (this.is('active')) {
      if (await this.stillConnected()) return this.schedule(this.opts.heartbeatMs ?? 2000);
      this.log.error('lost the leader lock connection; stopping this gateway so that only one is active');
      await this.stepDown();
      if (!this.is('stopped')) this.setRole('standby');
      return this.schedule(this.opts.pollMs ?? 1000);
    }
    if (await this.tryLock()) await this.takeOver();
    this.schedule(this.is('active') ? (this.opts.heartbeatMs ?? 2000) : (this.opts.pollMs ?? 1000));
  }

  private async tryLock(): Promise<boolean> {
    try {
      this.pg ??= await this.connect();
      const r = await this.pg.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as ok', [LEADER_LOCK_KEY]);
      return r.rows[0]?.ok === true;
    } catch (err) {
      this.log.warn({ err }, 'could not reach PostgreSQL to campaign for the active role; trying again');
      await this.dropConnection();
      return false;
    }
  }

  private async takeOver(): Promise<void> {
    if (this.is('stopped')) return this.dropConnection();
    this.log.info('this process holds the leader lock: starting the active device gateway');
    try {
      this.active = await this.opts.becomeActive();
    } catch (err) {
      this.log.error({ err }, 'the device gateway could not start; giving the active role back');
      await this.dropConnection();
      return;
    }
    if (this.is('stopped')) return this.stepDown();
    this.setRole('active');
    this.log.info('device gateway is active');
  }

  private async stillConnected(): Promise<boolean> {
    try {
      await (this.pg as PgClient).query('select 1');
      return true;
    } catch {
      return false;
    }
  }

  private async stepDown(): Promise<void> {
    const active = this.active;
    this.active = undefined;
    await active?.close().catch((err: unknown) => this.log.warn({ err }, 'stopping the device gateway failed'));
    await this.dropConnection();
  }

  private async connect(): Promise<PgClient> {
    const pg = new PgClient({
      connectionString: this.opts.databaseUrl,
      application_name: LEADER_APPLICATION_NAME,
      keepAlive: true,
      query_timeout: 5000,
    });
    // The lock went with the connection: stop at once rather than at the next heartbeat, so that the window in which
    // a standby already leads while this one still runs is as short as PostgreSQL's notice. Never a crash.
    const lost = (err?: Error) => {
      if (this.pg !== pg) return;
      this.log.warn({ err: err?.message }, 'leader lock connection lost');
      if (this.is('active')) {
        clearTimeout(this.timer);
        this.schedule(0);
      }
    };
    pg.on('error', lost);
    pg.on('end', () => lost());
    await pg.connect();
    return pg;
  }

  private async dropConnection(): Promise<void> {
    const pg = this.pg;
    this.pg = undefined;
    await pg?.end().catch(() => undefined);
  }
}
