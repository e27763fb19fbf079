import { Agent, request } from 'undici';
import { DigestSession, parseDigestChallenge } from '../protocol/digest-auth';
import { IsapiAuthError, classifyTransportError } from './errors';
import { parseUserCheck } from '../protocol/isapi-body';

/**
 * One terminal's wire: Digest auth with a cached challenge, and a queue that keeps at most one request in flight
 * (terminals handle about one request at a time and routers drop parallel bursts — §2.1, §2.7).
 */

export interface IsapiTransportOptions {
  /** `http://10.0.0.5` or `https://10.0.0.5:443`; ISAPI paths are appended. */
  baseUrl: string;
  username: string;
  /** Only ever used to compute digests; never logged, never part of an error. */
  password: string;
  /** PEM of the terminal's certificate or its CA (terminals use self-signed certs, §2.1). */
  ca?: string;
  /** Skip certificate verification, as the public clients do (§2.1). */
  insecureTls?: boolean;
  /** Per call (all HTTP exchanges of one call, after leaving the queue); default 10 000. */
  timeoutMs?: number;
  /**
   * Wraps every call before it joins this process's queue, so callers outside it (other worker processes) can keep
   * the terminal at one request in flight too (§2.2: a terminal answers Device Busy or queues). The client knows
   * nothing of how: the caller injects it. Before the queue, not inside it: a call waiting there for a hold that
   * another call of this process has would keep that call's next request from ever leaving the queue.
   */
  serialise?: <T>(call: () => Promise<T>) => Promise<T>;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface IsapiExchange {
  method: HttpMethod;
  /** Path with query, e.g. `/ISAPI/AccessControl/UserInfo/Record?format=json`. */
  path: string;
  body?: Buffer | string;
  contentType?: string;
  signal?: AbortSignal;
  /** Overrides the client's timeout for this call (CaptureFaceData blocks up to ~20 s, §2.3). */
  timeoutMs?: number;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Re-challenges on a stale nonce, and a second try with a fresh one; never more (§2.1 lockout). */
const MAX_CREDENTIALED_FAILURES = 2;

export class IsapiTransport {
  private readonly agent: Agent;
  private readonly origin: string;
  private readonly timeoutMs: number;
  private session: DigestSession | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private authFailure: IsapiAuthError | undefined;
  /** HTTP exchanges made, credentialed or not; for tests and diagnostics. */
  private exchanges = 0;

  constructor(private readonly options: IsapiTransportOptions) {
    this.origin = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.agent = new Agent({
      // One socket per terminal: the queue already serialises, this keeps the router from seeing bursts (§2.7).
      connections: 1,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      connect: {
        ...(options.ca !== undefined && { ca: options.ca }),
        rejectUnauthorized: options.insecureTls !== true,
      },
    });
  }

  get exchangeCount(): number {
    return this.exchanges;
  }

  /** After an IsapiAuthError every call fails fast without touching the terminal, until this is called. */
  clearAuthFailure(): void {
    this.authFailure = undefined;
    this.session = undefined;
  }

  /** Runs one call when every earlier call on this terminal has finished. */
  send(exchange: IsapiExchange): Promise<RawAnswer> {
    const { signal } = exchange;
    const serialise = this.options.serialise ?? ((call) => call());
    const run = serialise(() => this.queued(exchange));
    if (signal === undefined) return run;
    // A cancelled caller should not wait for the queue to drain before it learns it was cancelled.
    return new Promise<RawAnswer>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Settles once every call queued so far has finished, answered or not. */
  async idle(): Promise<void> {
    await this.tail;
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }

  private queued(exchange: IsapiExchange): Promise<RawAnswer> {
    const run = this.tail.then(() => {
      exchange.signal?.throwIfAborted();
      return this.authenticated(exchange);
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async authenticated(exchange: IsapiExchange): Promise<RawAnswer> {
    if (this.authFailure !== undefined) {
      throw new IsapiAuthError({
        path: pathOnly(exchange.path),
        message: `not sent: credentials were refused earlier (${this.authFailure.message})`,
        locked: this.authFailure.locked,
      });
    }
    const timeout = AbortSignal.timeout(exchange.timeoutMs ?? this.timeoutMs);
    const signal = exchange.signal === undefined ? timeout : AbortSignal.any([timeout, exchange.signal]);
    const { username, password } = this.options;
    let credentialed = 0;
    let failures = 0;
    let staleRetried = false;

    for (;;) {
      const authorization = this.session?.authorize(username, password, exchange.method, exchange.path);
      if (authorization !== undefined) credentialed += 1;
      const answer = await this.once(exchange, authorization, signal, timeout);
      if (answer.status !== 401) return answer;

      const challenge = parseDigestChallenge(answer.headers['www-authenticate']);
      const userCheck = parseUserCheck(answer.body);
      const fail = (message: string) => {
        this.session = undefined;
        this.authFailure = new IsapiAuthError({
          path: pathOnly(exchange.path),
          httpStatus: 401,
          message,
          attempts: credentialed,
          locked: userCheck?.locked,
          unlockInSeconds: userCheck?.unlockInSeconds,
        });
        return this.authFailure;
      };
      if (userCheck?.locked) throw fail('terminal is in its illegal-login lockout');
      if (challenge === undefined) throw fail('401 without a Digest challenge (Basic-only web auth?)');
      this.session = new DigestSession(challenge);
      // The first, uncredentialed request only fetches the challenge (RFC 7616 §3.3).
      if (authorization === undefined) continue;
      if (challenge.stale && !staleRetried) {
        // Right credentials, expired nonce: one re-challenge, not a failed login.
        staleRetried = true;
        continue;
      }
      failures += 1;
      if (failures >= MAX_CREDENTIALED_FAILURES) throw fail('credentials refused twice with a fresh challenge');
    }
  }

  private async once(
    exchange: IsapiExchange,
    authorization: string | undefined,
    signal: AbortSignal,
    timeout: AbortSignal,
  ): Promise<RawAnswer> {
    const headers: Record<string, string> = { Accept: '*/*' };
    if (authorization !== undefined) headers.Authorization = authorization;
    if (exchange.contentType !== undefined) headers['Content-Type'] = exchange.contentType;
    this.exchanges += 1;
    try {
      const res = await request(`${this.origin}${exchange.path}`, {
        method: exchange.method,
        headers,
        body: exchange.body,
        dispatcher: this.agent,
        signal,
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, headers: res.headers, body };
    } catch (err) {
      // The caller's own cancel surfaces as its reason, untouched.
      if (exchange.signal?.aborted) throw exchange.signal.reason;
      throw classifyTransportError(err, pathOnly(exchange.path), timeout.aborted);
    }
  }
}

export const pathOnly = (path: string) => path.split('?')[0] ?? path;
