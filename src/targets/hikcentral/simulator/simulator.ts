import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { buildStringToSign, sign, signaturesEqual } from '../protocol/artemis-signer';
import { SimulatorFaults, type InjectedFault, type RateLimitStorm } from './faults';
import { answerApi, type SimAnswer } from './routes';
import {
  SimulatorState,
  type SimulatedPerson,
  type SimulatedPrivilegeGroup,
  type SimulatorCounters,
  type SimulatorRequestRecord,
} from './state';
import type { HcpEnvelope, OrgInfo } from '../protocol/types';
import { keyedRecord } from '../../../own-key';

/**
 * A standalone HikCentral OpenAPI gateway the real client talks to over a socket (STYLE 4): Artemis signature
 * checks, the `{code,msg,data}` envelope, HCP's codes, and injectable faults. Answers follow reference
 * hikvision.md §1; where the real behaviour is unknown the choice is documented next to the code.
 */

export type { RateLimitStorm } from './faults';
export type { SimulatedPerson, SimulatorCounters, PersonCallCounts, SimulatorRequestRecord } from './state';
export { SIM_CODES } from './routes';

export interface HikCentralSimulatorOptions {
  /** 0 = random free port. */
  port?: number;
  host?: string;
  appKey: string;
  appSecret: string;
  /** Persons, faces and privilege memberships are written here and reloaded on start. */
  stateFile?: string;
  orgs?: OrgInfo[];
  privilegeGroups?: SimulatedPrivilegeGroup[];
  /** HTTPS with this PEM key/cert; plain HTTP otherwise. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Also accept the Alibaba-style string-to-sign with empty lines for absent headers (§1.3 "Pitfall"). */
  tolerateEmptyLineSignature?: boolean;
  /** Seed for fault rates. */
  seed?: number;
}

export interface HikCentralSimulatorControls {
  setLatencyMs(ms: number): void;
  startRateLimitStorm(storm: RateLimitStorm): void;
  /** Share of API calls answered HTTP 503/500. */
  setServerErrorRate(rate: number): void;
  /** Share of API calls answered HTTP 200 + code "6" (server busy). */
  setBusyCodeRate(rate: number): void;
  /** Share of API calls never answered. */
  setTimeoutRate(rate: number): void;
  /** Stops every injected fault and the latency. */
  clearFaults(): void;
  counters(): SimulatorCounters;
  /** API requests in arrival order (latest 10 000), for pacing and ordering assertions. */
  requestLog(): SimulatorRequestRecord[];
  /** From now on, refuse the faces of these personCodes as photo-rejected (a face HCP's algorithm cannot use). */
  refuseFacesOf(personCodes: string[]): void;
  persons(): SimulatedPerson[];
  privilegeMembership(): Record<string, string[]>;
  applyRequests(): number;
  /** Faults, counters, persons, memberships and apply requests back to empty; orgs and groups stay. */
  reset(): void;
}

export interface HikCentralSimulator {
  url: string;
  controls: HikCentralSimulatorControls;
  close(): Promise<void>;
}

export const DEFAULT_SIM_ORGS: OrgInfo[] = [
  { orgIndexCode: '1', orgName: 'All Persons', parentOrgIndexCode: '0' },
  { orgIndexCode: '2', orgName: 'Students', parentOrgIndexCode: '1' },
];

export const DEFAULT_SIM_PRIVILEGE_GROUPS: SimulatedPrivilegeGroup[] = [
  { privilegeGroupId: '1', privilegeGroupName: 'Students access', description: '', type: 1 },
];

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const API_PREFIX = '/artemis/api';
const CONTROL_PREFIX = '/__sim/';
const JSON_TYPE = 'application/json;charset=UTF-8';

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendEnvelope(res: http.ServerResponse, status: number, envelope: HcpEnvelope, headers = {}): void {
  sendJson(res, status, envelope, headers);
}

function flatHeaders(req: http.IncomingMessage): Record<string, string> {
  const out = keyedRecord<string>();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

type AuthResult = { ok: true } | { ok: false; code: string; message: string };

export async function startHikCentralSimulator(opts: HikCentralSimulatorOptions): Promise<HikCentralSimulator> {
  const state = new SimulatorState(
    opts.orgs ?? DEFAULT_SIM_ORGS,
    opts.privilegeGroups ?? DEFAULT_SIM_PRIVILEGE_GROUPS,
    opts.stateFile,
  );
  const faults = new SimulatorFaults(opts.seed ?? 9016);
  const sockets = new Set<Socket>();
  const sleeps = new Map<NodeJS.Timeout, () => void>();
  let closing = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        sleeps.delete(timer);
        resolve();
      }, ms);
      sleeps.set(timer, resolve);
    });

  const controls: HikCentralSimulatorControls = {
    setLatencyMs: (ms) => faults.setLatencyMs(ms),
    startRateLimitStorm: (storm) => faults.startRateLimitStorm(storm),
    setServerErrorRate: (rate) => faults.setServerErrorRate(rate),
    setBusyCodeRate: (rate) => faults.setBusyCodeRate(rate),
    setTimeoutRate: (rate) => faults.setTimeoutRate(rate),
    clearFaults: () => faults.clear(),
    counters: () => structuredClone(state.counters),
    requestLog: () => structuredClone(state.requestLog),
    refuseFacesOf: (codes) => codes.forEach((c) => state.refusedFaces.add(c)),
    persons: () => state.snapshot(),
    privilegeMembership: () => state.membershipSnapshot(),
    applyRequests: () => state.applyRequests.length,
    reset: () => {
      faults.reset();
      state.reset();
    },
  };

  /**
   * The gateway rebuilds the string-to-sign from the `x-ca-signature-headers` list it receives, in the order
   * given, so clients that sign fewer headers (only x-ca-key, or none) still pass (§1.3 [obs]).
   */
  function authenticate(req: http.IncomingMessage, pathname: string, query: URLSearchParams): AuthResult {
    const headers = flatHeaders(req);
    const key = headers['x-ca-key'];
    const signature = headers['x-ca-signature'];
    // Codes from the gateway family of the guide's appendix (§1.7).
    if (key === undefined) return { ok: false, code: '0x02401000', message: 'AppKey is missing' };
    if (key !== opts.appKey) return { ok: false, code: '0x02401001', message: 'partner (AppKey) does not exist' };
    if (signature === undefined) return { ok: false, code: '0x02401002', message: 'signature is missing' };
    const signedHeaderNames = (headers['x-ca-signature-headers'] ?? '').split(',').filter((n) => n.trim() !== '');
    const input = { method: req.method ?? 'POST', path: pathname, query, headers, signedHeaderNames };
    const expected = buildStringToSign(input);
    if (signaturesEqual(sign(opts.appSecret, expected), signature)) return { ok: true };
    if (opts.tolerateEmptyLineSignature) {
      const variant = buildStringToSign({ ...input, emptyLineForAbsentHeaders: true });
      if (signaturesEqual(sign(opts.appSecret, variant), signature)) return { ok: true };
    }
    // Like the Alibaba-lineage gateway, show the server's string-to-sign (newlines as '#') to ease debugging.
    return {
      ok: false,
      code: '0x02401003',
      message: `Invalid Signature, Server StringToSign:${expected.replace(/\n/g, '#')}`,
    };
  }

  function sendFault(res: http.ServerResponse, fault: Exclude<InjectedFault, { kind: 'timeout' }>): void {
    switch (fault.kind) {
      case 'serverError':
        state.counters.faults.serverErrors += 1;
        // A proxy in front of the gateway answers with its own page, not the envelope.
        res.writeHead(fault.status, { 'Content-Type': 'text/plain' });
        res.end(fault.status === 503 ? 'Service Unavailable' : 'Internal Server Error');
        return;
      case 'rateLimited':
        state.counters.faults.rateLimited += 1;
        sendEnvelope(
          res,
          429,
          { code: '0x02401009', msg: 'the maximum number of API calls has been reached' },
          { 'Retry-After': String(fault.retryAfterSeconds) },
        );
        return;
      case 'busy':
        state.counters.faults.busy += 1;
        sendEnvelope(res, 200, { code: '6', msg: 'server busy' });
        return;
    }
  }

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL, raw: Buffer): Promise<void> {
    const pathname = url.pathname;
    const apiPath = pathname.slice(API_PREFIX.length);
    let body: unknown;
    try {
      body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch {
      body = undefined;
    }
    const record = state.logRequest(apiPath, body);
    state.countPath(apiPath, 'received');
    res.on('finish', () => {
      record.httpStatus = res.statusCode;
      record.code ??= `http-${res.statusCode}`;
    });
    const reply = (status: number, envelope: HcpEnvelope, headers: Record<string, string> = {}) => {
      record.code = envelope.code;
      if (envelope.code === '0') state.countPath(apiPath, 'succeeded');
      sendEnvelope(res, status, envelope, headers);
    };
    const fault = (f: Exclude<InjectedFault, { kind: 'timeout' }>) => {
      if (f.kind !== 'serverError') record.code = f.kind === 'busy' ? '6' : '0x02401009';
      sendFault(res, f);
    };

    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (closing) return;

    const early = faults.beforeAuth();
    if (early?.kind === 'timeout') {
      // Hold the connection without answering; close() destroys the socket.
      state.counters.faults.timeouts += 1;
      return;
    }
    if (early !== undefined) return fault(early);

    const auth = authenticate(req, pathname, url.searchParams);
    if (!auth.ok) {
      state.counters.faults.unauthorized += 1;
      return reply(401, { code: auth.code, msg: auth.message }, { 'X-Ca-Error-Message': auth.message });
    }
    const late = faults.afterAuth();
    if (late !== undefined && late.kind !== 'timeout') return fault(late);

    if (req.method !== 'POST') return reply(405, { code: '8', msg: 'only POST is supported' }, { Allow: 'POST' });
    const answer: SimAnswer = await answerApi(apiPath, body, state);
    if (answer.kind === 'envelope') return reply(200, answer.envelope);
    record.code = '0';
    state.countPath(apiPath, 'succeeded');
    res.writeHead(answer.status, {
      'Content-Type': answer.contentType,
      'Content-Length': Buffer.byteLength(answer.body),
    });
    res.end(answer.body);
  }

  /** The same controls over HTTP, unsigned, so a simulator in another process can be steered. */
  function handleControl(res: http.ServerResponse, name: string, raw: Buffer): void {
    const args = (raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'))) as Record<string, unknown>;
    const num = (key: string) => Number(args[key]);
    const done = () => sendJson(res, 200, { ok: true });
    switch (name) {
      case 'latency':
        controls.setLatencyMs(num('ms'));
        return done();
      case 'rate-limit-storm':
        controls.startRateLimitStorm(args as unknown as RateLimitStorm);
        return done();
      case 'server-error-rate':
        controls.setServerErrorRate(num('rate'));
        return done();
      case 'busy-code-rate':
        controls.setBusyCodeRate(num('rate'));
        return done();
      case 'timeout-rate':
        controls.setTimeoutRate(num('rate'));
        return done();
      case 'clear-faults':
        controls.clearFaults();
        return done();
      case 'reset':
        controls.reset();
        return done();
      case 'counters':
        return sendJson(res, 200, controls.counters());
      case 'request-log':
        return sendJson(res, 200, controls.requestLog());
      case 'persons':
        return sendJson(res, 200, controls.persons());
      case 'privilege-membership':
        return sendJson(res, 200, controls.privilegeMembership());
      case 'apply-requests':
        return sendJson(res, 200, { count: controls.applyRequests() });
      default:
        return sendJson(res, 404, { error: `unknown control ${name}` });
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const raw = await readBody(req);
    if (url.pathname.startsWith(CONTROL_PREFIX))
      return handleControl(res, url.pathname.slice(CONTROL_PREFIX.length), raw);
    // Paths outside the gateway get a plain 404; unknown paths under /artemis/api get code 8 (§1.7) from answerApi.
    if (!url.pathname.startsWith(`${API_PREFIX}/`)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not Found');
      return;
    }
    await handleApi(req, res, url, raw);
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof BodyTooLarge) return sendJson(res, 413, { code: '2', msg: 'request body too large' });
      if (err instanceof RangeError || err instanceof SyntaxError) return sendJson(res, 400, { error: err.message });
      sendJson(res, 500, { code: '5', msg: `simulator error: ${err instanceof Error ? err.message : String(err)}` });
    });
  };

  const server = opts.tls
    ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, listener)
    : http.createServer(listener);
  // 'connection' gives the raw TCP socket for HTTPS too; destroying it ends the TLS session with it.
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `${opts.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    controls,
    close: async () => {
      closing = true;
      // Wake delayed handlers so they see `closing` and finish instead of hanging.
      for (const [timer, wake] of sleeps) {
        clearTimeout(timer);
        wake();
      }
      sleeps.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Held ("timeout") requests and keep-alive sockets would otherwise keep close() waiting forever.
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
