import { timingSafeEqual, createHash } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import {
  createBroker as createAedes,
  type AuthenticateError,
  type Client,
  type PublishPacket,
  type Subscription,
} from 'aedes';
import type { Logger } from '../../../logger';
import { mayPublish, maySubscribe, type Principal } from './broker-acl';
import { CLOUD_QOS, isValidDeviceId } from '../protocol/topics';
import { MqttFrameGuard } from './mqtt-frame-guard';
import { listen, serverUrl, trackSockets } from '../../listening-server';

/**
 * The embedded MQTT broker devices and the gateway meet on (digest "Transport"). Devices log in with
 * client id = username = device id and their own secret; the gateway with its own account. Topic rules are in
 * broker-acl.ts (with the Mosquitto equivalent). Online/offline is reported to a hook because the seed has no
 * heartbeat message: MQTT's connection, keep-alive and last will are the presence signal, and §1 needs it
 * ("When the device is detected offline, pause its sync").
 */

export interface GatewayCredentials {
  /** Also the prefix of the gateway's client ids: `name` or `name-<anything>` (one per worker). */
  username: string;
  password: string;
}

/**
 * A login the authenticator accepted. `credential` names the secret it was checked against (not the secret):
 * whoever later revokes that secret can tell the sessions that logged in with it from newer ones.
 */
export interface DeviceLogin {
  credential: string;
}

/** Injected so the broker knows nothing of where secrets live (database, config). False refuses the login. */
export type DeviceAuthenticator = (deviceId: string, secret: string) => Promise<DeviceLogin | false>;

/** A device connection the broker holds now. */
export interface DeviceSession {
  deviceId: string;
  credential: string;
}

export type PresenceReason =
  | 'connected'
  /** The device sent DISCONNECT. */
  | 'disconnect'
  /** Nothing heard for 1.5 × keep-alive (MQTT 3.1.1 §3.1.2.10); its last will, if any, was published. */
  | 'keepaliveTimeout'
  /** Socket closed or failed without DISCONNECT, or taken over by a newer connection; last will published. */
  | 'connectionLost'
  /** gatesync closed it: the device was deleted or its secret rotated. */
  | 'revoked';

export interface PresenceEvent {
  deviceId: string;
  online: boolean;
  reason: PresenceReason;
  at: Date;
}

export type PresenceListener = (event: PresenceEvent) => void;

export interface BrokerOptions {
  /** 0 = a free port. */
  port?: number;
  host?: string;
  authenticate: DeviceAuthenticator;
  gatewayCredentials: GatewayCredentials;
  logger: Logger;
  /**
   * Largest MQTT packet accepted from anyone. choice: 4 MiB — room for a `user_sync` batch with face features;
   * device uploads are further capped by the gateway's message limit (messages.ts).
   */
  maxPacketBytes?: number;
  /** A socket that sends no CONNECT within this time is closed (aedes default 30 s). */
  connectTimeoutMs?: number;
  onPresence?: PresenceListener;
}

export interface CloudBroker {
  url: string;
  port: number;
  isOnline(deviceId: string): boolean;
  /** The device connections held now, with the credential each logged in with. */
  sessions(): DeviceSession[];
  /**
   * Closes the device's connection at once (presence reason `revoked`); with `credential`, only if that is what
   * the connection logged in with (a newer login with the new secret stays). True when one was closed.
   */
  revoke(deviceId: string, credential?: string): boolean;
  close(): Promise<void>;
}

export const DEFAULT_MAX_PACKET_BYTES = 4 * 1024 * 1024;

// CONNACK return codes (MQTT 3.1.1 §3.2.2.3); aedes types them as a const enum.
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

function refusal(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** Constant-time comparison that does not leak the length either. */
function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

type AedesBroker = ReturnType<typeof createAedes>;
type AuthenticateDone = Parameters<AedesBroker['authenticate']>[3];

/**
 * Who is logged in over which connection, and why a device's connection ended: the presence signal (§1 "When
 * the device is detected offline, pause its sync"). Its methods are the broker's login, topic and connection hooks.
 */
class BrokerSessions {
  private readonly principals = new WeakMap<Client, Principal>();
  private readonly keepaliveExpired = new WeakSet<Client>();
  private readonly revoked = new WeakSet<Client>();
  private readonly credentials = new WeakMap<Client, string>();
  /** The connection that currently speaks for each online device (a takeover leaves a stale one behind). */
  private readonly current = new Map<string, Client>();

  constructor(
    private readonly opts: BrokerOptions,
    private readonly log: Logger,
    private readonly maxPacketBytes: number,
  ) {}

  attach(aedes: AedesBroker): void {
    aedes.authenticate = (client, username, password, done) => this.authenticate(client, username, password, done);
    aedes.authorizePublish = (client, packet, callback) => this.authorizePublish(client, packet, callback);
    aedes.authorizeSubscribe = (client, subscription, callback) =>
      this.authorizeSubscribe(client, subscription, callback);
    aedes.on('client', (client) => this.connected(client));
    aedes.on('keepaliveTimeout', (client) => this.keepaliveExpired.add(client));
    aedes.on('clientDisconnect', (client) => this.disconnected(client));
    aedes.on('clientError', (client, err) => this.log.debug({ clientId: client.id, err: err.message }, 'client error'));
  }

  isOnline(deviceId: string): boolean {
    return this.current.has(deviceId);
  }

  sessions(): DeviceSession[] {
    return [...this.current].map(([deviceId, client]) => ({
      deviceId,
      credential: this.credentials.get(client) ?? '',
    }));
  }

  revoke(deviceId: string, credential?: string): boolean {
    const client = this.current.get(deviceId);
    if (client === undefined || (credential !== undefined && this.credentials.get(client) !== credential)) return false;
    this.revoked.add(client);
    this.log.info({ deviceId }, 'device connection revoked');
    client.close();
    return true;
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: AuthenticateDone,
  ): void {
    if (username === undefined || password === undefined) {
      done(refusal(BAD_USERNAME_OR_PASSWORD, 'username and password required'), false);
      return;
    }
    const secret = Buffer.from(password).toString('utf8');
    if (username === this.opts.gatewayCredentials.username) return this.loginGateway(client, secret, done);
    const refused = this.deviceIdRefusal(client.id, username);
    if (refused !== undefined) return done(refused, false);
    this.loginDevice(client, username, secret, done);
  }

  private loginGateway(client: Client, secret: string, done: AuthenticateDone): void {
    const gateway = this.opts.gatewayCredentials;
    const clientId = client.id;
    if (clientId !== gateway.username && !clientId.startsWith(`${gateway.username}-`)) {
      done(refusal(IDENTIFIER_REJECTED, 'gateway client id must start with its username'), false);
      return;
    }
    if (!secretsEqual(secret, gateway.password)) {
      this.log.warn({ clientId }, 'gateway login refused: wrong password');
      done(refusal(BAD_USERNAME_OR_PASSWORD, 'bad credentials'), false);
      return;
    }
    this.principals.set(client, { kind: 'gateway' });
    done(null, true);
  }

  /** Digest "Transport": client id = username = device id. */
  private deviceIdRefusal(clientId: string, username: string): AuthenticateError | undefined {
    if (!isValidDeviceId(username)) return refusal(IDENTIFIER_REJECTED, 'not a valid device id');
    if (clientId === username) return undefined;
    this.log.warn({ clientId, deviceId: username }, 'device login refused: client id differs from username');
    return refusal(NOT_AUTHORIZED, 'client id must equal the device id');
  }

  private loginDevice(client: Client, deviceId: string, secret: string, done: AuthenticateDone): void {
    this.opts.authenticate(deviceId, secret).then(
      (login) => {
        if (login === false) {
          this.log.warn({ deviceId }, 'device login refused: wrong secret or unknown device');
          done(refusal(BAD_USERNAME_OR_PASSWORD, 'bad credentials'), false);
          return;
        }
        this.principals.set(client, { kind: 'device', deviceId });
        this.credentials.set(client, login.credential);
        done(null, true);
      },
      (err: unknown) => {
        this.log.error({ err, deviceId }, 'device authentication failed');
        done(refusal(SERVER_UNAVAILABLE, 'authentication unavailable'), false);
      },
    );
  }

  private authorizePublish(
    client: Client | null,
    packet: PublishPacket,
    callback: (error?: Error | null) => void,
  ): void {
    // The broker's own $SYS messages have no client.
    if (client === null) return callback(null);
    const why = this.publishRefusal(this.principals.get(client), packet);
    if (why === undefined) return callback(null);
    this.log.warn({ clientId: client.id, topic: packet.topic, why }, 'publish refused; closing the connection');
    callback(new Error(why));
  }

  private publishRefusal(who: Principal | undefined, packet: PublishPacket): string | undefined {
    if (who === undefined) return 'not authenticated';
    // Retained commands or events would be replayed to the next subscriber as if new.
    if (packet.retain) return 'retained messages are not allowed';
    if (packet.payload.length > this.maxPacketBytes) return 'payload too large';
    if (!mayPublish(who, packet.topic)) return 'topic not allowed';
    return undefined;
  }

  private authorizeSubscribe(
    client: Client,
    subscription: Subscription,
    callback: (error: Error | null, subscription?: Subscription | null) => void,
  ): void {
    const who = this.principals.get(client);
    if (who === undefined || !maySubscribe(who, subscription.topic)) {
      this.log.warn({ clientId: client.id, topic: subscription.topic }, 'subscription refused');
      // null negates the subscription: SUBACK 0x80 for it, the connection stays up.
      callback(null, null);
      return;
    }
    callback(null, { ...subscription, qos: Math.min(subscription.qos, CLOUD_QOS) as 0 | 1 });
  }

  private connected(client: Client): void {
    const who = this.principals.get(client);
    if (who?.kind !== 'device') return;
    this.current.set(who.deviceId, client);
    this.log.debug({ deviceId: who.deviceId }, 'device online');
    this.emitPresence({ deviceId: who.deviceId, online: true, reason: 'connected', at: new Date() });
  }

  private disconnected(client: Client): void {
    const who = this.principals.get(client);
    if (who?.kind !== 'device' || this.current.get(who.deviceId) !== client) return;
    this.current.delete(who.deviceId);
    const reason = this.offlineReason(client);
    this.log.debug({ deviceId: who.deviceId, reason }, 'device offline');
    this.emitPresence({ deviceId: who.deviceId, online: false, reason, at: new Date() });
  }

  private offlineReason(client: Client): PresenceReason {
    if (this.revoked.has(client)) return 'revoked';
    if (this.keepaliveExpired.has(client)) return 'keepaliveTimeout';
    // aedes sets `_disconnected` only when it received a DISCONNECT packet (lib/handlers/index.js).
    const clean = (client as unknown as { _disconnected?: boolean })._disconnected === true;
    return clean ? 'disconnect' : 'connectionLost';
  }

  private emitPresence(event: PresenceEvent): void {
    try {
      this.opts.onPresence?.(event);
    } catch (err) {
      this.log.error({ err, deviceId: event.deviceId }, 'presence listener failed');
    }
  }
}

/** Hands a new connection to aedes behind a frame guard that drops oversized or malformed packets. */
function serveConnection(aedes: AedesBroker, socket: Socket, maxPacketBytes: number, log: Logger): void {
  aedes.handle(socket);
  // aedes reads with 'readable' + read(); read() emits 'data' before aedes parses the chunk, and a 'data'
  // listener does not switch a socket with a 'readable' listener to flowing mode.
  const guard = new MqttFrameGuard(maxPacketBytes);
  socket.on('data', (chunk: Buffer) => {
    const problem = guard.feed(chunk);
    if (problem !== undefined && !socket.destroyed) {
      log.warn({ remote: socket.remoteAddress, problem }, 'oversized or malformed MQTT packet; closing');
      socket.destroy();
    }
  });
}

export async function startBroker(opts: BrokerOptions): Promise<CloudBroker> {
  const log = opts.logger.child({ component: 'cloud-broker' });
  const maxPacketBytes = opts.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  const sessions = new BrokerSessions(opts, log, maxPacketBytes);
  const aedes = createAedes({ connectTimeout: opts.connectTimeoutMs ?? 30_000 });
  sessions.attach(aedes);

  const server = net.createServer();
  // A command and its answer are small request/response frames: Nagle + delayed ACK would add ~40 ms per hop.
  const sockets = trackSockets(server, { noDelay: true });
  server.on('connection', (socket: Socket) => serveConnection(aedes, socket, maxPacketBytes, log));
  const host = opts.host ?? '127.0.0.1';
  await listen(server, opts.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  log.info({ host, port }, 'cloud MQTT broker listening');

  return {
    url: serverUrl('mqtt', host, port),
    port,
    isOnline: (deviceId) => sessions.isOnline(deviceId),
    sessions: () => sessions.sessions(),
    revoke: (deviceId, credential) => sessions.revoke(deviceId, credential),
    close: async () => {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await serverClosed;
    },
  };
}
