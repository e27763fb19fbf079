import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { generate } from 'selfsigned';
import { DigestGate, type AuthStats } from './auth';
import { CaptureStation, defaultCaptureJpeg } from './capture';
import { modelProfile, type TerminalModelProfile } from './models';
import { answerIsapi, isXmlEndpoint, jsonStatus, routesFor, xmlStatus, type SimAnswer } from './routes';
import { SimulatorState, type SimEvent, type SimRequestRecord, type WriteCounts } from './state';
import { accessDecision, type AccessDecision } from './validity';

/**
 * One simulated Hikvision access terminal speaking ISAPI over a real socket (STYLE 4; reference hikvision.md §2,
 * seed 002): Digest auth with the login lockout, JSON and XML endpoints, paging, capture-then-bind, model
 * capacities, busy injection and a fixed latency. Controls are in-process (`controls`) and over HTTP under
 * `/__sim/` (unauthenticated, for a simulator in another process).
 */

export type { AuthStats } from './auth';
export type { TerminalModelProfile } from './models';
export type { SimEvent, SimRequestRecord, WriteCounts } from './state';
export type { AccessDecision } from './validity';
export { MODEL_PROFILES, SEED_CAPTURE_MODEL, UPLOAD_MODEL } from './models';

export interface IsapiSimulatorOptions {
  /** A name from MODEL_PROFILES (default the seed-002 model DS-K1T343EFWX) or a full profile. */
  model?: string | TerminalModelProfile;
  /** Per-test changes to the profile, e.g. `{ maxUsers: 3 }`. */
  modelOverrides?: Partial<TerminalModelProfile>;
  /** 0 = random free port. */
  port?: number;
  host?: string;
  /** Host (and port) the terminal puts into URLs it hands out; default the listening address. */
  publicHost?: string;
  username?: string;
  password?: string;
  /** Default: 32 hex digits derived from the serial number, like the NVR capture in §2.1. */
  realm?: string;
  /** HTTPS with a fresh self-signed certificate (`true`) or the given PEM pair; plain HTTP otherwise. */
  tls?: boolean | { key: string; cert: string };
  /** Consecutive bad logins before the lockout; default 5 (§2.1 "repeated 401s"). */
  lockoutThreshold?: number;
  /** Default 30 min (§2.1 "often ~30 min"). */
  lockoutMs?: number;
  nonceTtlMs?: number;
  /** Fixed delay of every authenticated request, ms. */
  latencyMs?: number;
  /** Face capture: see CaptureOptions; default a face 3 s after capture starts, POSTs held up to 2 s. */
  capture?: { presentAfterMs?: number | null; holdMs?: number; image?: Buffer };
  /** Seed for the busy rate. */
  seed?: number;
  /** Makes serial number, MAC and realm differ between terminals started together. */
  index?: number;
  /** The zone the terminal is set to, as a UTC offset in minutes (−300 = UTC−5); default 0. */
  utcOffsetMinutes?: number;
}

export interface IsapiSimulatorControls {
  setLatencyMs(ms: number): void;
  /** The next `n` authenticated ISAPI requests answer statusCode 2 / deviceBusy (§2.2). */
  busyNext(n: number): void;
  /** Share of authenticated ISAPI requests answered busy. */
  setBusyRate(rate: number): void;
  clearFaults(): void;
  /** A face appears this long after capture starts; `null`: only on presentFace(). */
  setCaptureDelay(ms: number | null): void;
  setCaptureHoldMs(ms: number): void;
  /** Someone shows a face (this JPEG, or a generated portrait). `false` when the terminal is not capturing. */
  presentFace(jpeg?: Buffer): Promise<boolean>;
  isCapturing(): boolean;
  stopCapture(): void;
  users(): Array<Record<string, unknown>>;
  /** Whether the terminal would let this user pass at `at` (default now), by their `Valid` window in its own zone. */
  accessDecision(employeeNo: string, at?: Date): AccessDecision;
  setUtcOffsetMinutes(minutes: number): void;
  faces(): Array<{ FPID: string; bytes: number; sha256: string; source: string; path: string }>;
  faceJpeg(fpid: string): Buffer | undefined;
  /** Paths served under /LOCALS/. */
  files(): string[];
  addEvents(events: SimEvent[]): void;
  doorCommands(): Array<{ door: number; cmd: string; at: number }>;
  requestLog(): SimRequestRecord[];
  /** Accepted writes per employeeNo: "no user written twice" is `record + setUp + modify <= 1` per key. */
  writeCounts(): Record<string, WriteCounts>;
  /** Most requests the terminal was handling at the same moment (§2.1: terminals serialise). */
  maxConcurrent(): number;
  authStats(): AuthStats;
  /** Lifts the login lockout. */
  unlock(): void;
  /** Users, faces, files, events, logs, faults, auth counters back to empty; profile and latency stay. */
  reset(): void;
}

export interface IsapiSimulator {
  url: string;
  profile: TerminalModelProfile;
  /** PEM of the self-signed certificate (HTTPS only): pass it to the client as `ca`. */
  caPem?: string;
  controls: IsapiSimulatorControls;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const CONTROL_PREFIX = '/__sim/';

/** A zone's UTC offset: whole minutes within UTC−12…UTC+14. */
function zoneOffset(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes < -12 * 60 || minutes > 14 * 60)
    throw new RangeError(`bad UTC offset ${minutes} min`);
  return minutes;
}

/** Deterministic [0,1) sequence for the busy rate (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new RangeError('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, answer: SimAnswer): void {
  if (res.destroyed || res.headersSent) return;
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body, 'utf8') : answer.body;
  res.writeHead(answer.status, {
    'Content-Type': answer.contentType,
    'Content-Length': body.length,
    ...answer.headers,
  });
  res.end(body);
}

async function selfSignedPair(host: string): Promise<{ key: string; cert: string }> {
  const ipv4 = /^\d+\.\d+\.\d+\.\d+$/.test(host);
  const pems = await generate([{ name: 'commonName', value: ipv4 ? 'localhost' : host }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          ...(ipv4 && host !== '127.0.0.1' ? [{ type: 7 as const, ip: host }] : []),
          ...(!ipv4 && host !== 'localhost' ? [{ type: 2 as const, value: host }] : []),
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

export async function startIsapiSimulator(opts: IsapiSimulatorOptions = {}): Promise<IsapiSimulator> {
  const base = typeof opts.model === 'object' ? opts.model : modelProfile(opts.model ?? 'DS-K1T343EFWX');
  const profile: TerminalModelProfile = { ...base, ...opts.modelOverrides };
  const index = opts.index ?? 0;
  const serial = `20240101CCWR${String(123456789 + index).padStart(9, '0')}`;
  const macAddress = `c0:56:e3:00:${((index >> 8) & 0xff).toString(16).padStart(2, '0')}:${(index & 0xff).toString(16).padStart(2, '0')}`;
  const realm = opts.realm ?? createHash('md5').update(serial).digest('hex');
  const gate = new DigestGate({
    realm,
    username: opts.username ?? 'admin',
    password: opts.password ?? 'Admin12345',
    nonceTtlMs: opts.nonceTtlMs ?? 5 * 60_000,
    lockoutThreshold: opts.lockoutThreshold ?? 5,
    lockoutMs: opts.lockoutMs ?? 30 * 60_000,
  });
  const state = new SimulatorState();
  const injected = opts.capture?.image;
  let defaultImage: Promise<Buffer> | undefined;
  const capture = new CaptureStation(
    {
      presentAfterMs: opts.capture?.presentAfterMs === undefined ? 3000 : opts.capture.presentAfterMs,
      holdMs: opts.capture?.holdMs ?? 2000,
    },
    () => (injected !== undefined ? Promise.resolve(injected) : (defaultImage ??= defaultCaptureJpeg(index))),
  );
  const routes = routesFor({ serialNumber: serial, macAddress });
  const rand = random(opts.seed ?? 8000 + index);
  let latencyMs = opts.latencyMs ?? 0;
  let utcOffsetMinutes = zoneOffset(opts.utcOffsetMinutes ?? 0);
  let busyNext = 0;
  let busyRate = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let closing = false;
  const closeController = new AbortController();
  const sockets = new Set<Socket>();
  let publicUrl = '';

  const controls: IsapiSimulatorControls = {
    setLatencyMs: (ms) => {
      latencyMs = Math.max(0, ms);
    },
    busyNext: (n) => {
      busyNext = Math.max(0, Math.trunc(n));
    },
    setBusyRate: (rate) => {
      busyRate = Math.min(1, Math.max(0, rate));
    },
    clearFaults: () => {
      busyNext = 0;
      busyRate = 0;
    },
    setCaptureDelay: (ms) => {
      capture.options.presentAfterMs = ms;
    },
    setCaptureHoldMs: (ms) => {
      capture.options.holdMs = ms;
    },
    presentFace: (jpeg) => capture.present(jpeg),
    isCapturing: () => capture.isCapturing,
    stopCapture: () => capture.stop(),
    users: () => structuredClone([...state.users.values()]),
    accessDecision: (employeeNo, at = new Date()) => accessDecision(state.users.get(employeeNo), at, utcOffsetMinutes),
    setUtcOffsetMinutes: (minutes) => {
      utcOffsetMinutes = zoneOffset(minutes);
    },
    faces: () =>
      [...state.faces.values()].map((f) => ({
        FPID: f.FPID,
        bytes: f.jpeg.length,
        sha256: createHash('sha256').update(f.jpeg).digest('hex'),
        source: f.source,
        path: f.path,
      })),
    faceJpeg: (fpid) => state.faces.get(fpid)?.jpeg,
    files: () => [...state.files.keys()],
    addEvents: (events) => events.forEach((e) => state.addEvent(e)),
    doorCommands: () => structuredClone(state.doorCommands),
    requestLog: () => structuredClone(state.requestLog),
    writeCounts: () => Object.fromEntries([...state.writes].map(([k, v]) => [k, { ...v }])),
    maxConcurrent: () => maxInFlight,
    authStats: () => ({ ...gate.stats }),
    unlock: () => gate.unlock(),
    reset: () => {
      state.reset();
      capture.stop();
      gate.reset();
      busyNext = 0;
      busyRate = 0;
      maxInFlight = inFlight;
    },
  };

  /** The 401 answer: a fresh challenge and the `<userCheck>` body (§2.1). */
  function unauthorized(res: http.ServerResponse, stale: boolean, unlockInSeconds?: number): void {
    // `<statusValue>`/`<statusString>` are from the §2.1 capture; lockStatus/unlockTime/retryLoginTime are [sim]
    // fields for the "illegal login lock" the reference names without showing its body.
    const lock =
      unlockInSeconds !== undefined
        ? `<lockStatus>lock</lockStatus><unlockTime>${unlockInSeconds}</unlockTime>`
        : `<lockStatus>unlock</lockStatus><retryLoginTime>${gate.remainingAttempts}</retryLoginTime>`;
    send(res, {
      status: 401,
      contentType: 'application/xml; charset="UTF-8"',
      headers: { 'WWW-Authenticate': gate.challenge(stale) },
      body:
        '<?xml version="1.0" encoding="UTF-8"?>\n<userCheck><statusValue>401</statusValue>' +
        `<statusString>Unauthorized</statusString>${lock}</userCheck>`,
    });
  }

  async function download(url: string): Promise<Buffer | undefined> {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      return res.ok ? Buffer.from(await res.arrayBuffer()) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Resolves at `deadline` (performance.now() ms) within a fraction of a millisecond: a timer for the bulk, then
   * event-loop turns (setImmediate, so I/O still runs) for the last stretch, because a bare setTimeout fires
   * 1–2 ms late and a benchmark needs wall ÷ (calls × latency) close to 1.
   */
  function sleepUntil(deadline: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const step = () => {
        if (signal.aborted) return;
        const left = deadline - performance.now();
        if (left <= 0) return done();
        if (left > 2) timer = setTimeout(step, left - 1.5);
        else setImmediate(step);
      };
      signal.addEventListener('abort', done, { once: true });
      step();
    });
  }

  async function handleIsapi(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    // Latency is "the terminal answers this long after the request arrived": parsing and auth are inside it.
    const arrival = performance.now();
    const method = req.method ?? 'GET';
    const record = state.logRequest(method, url.pathname);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const requestAbort = new AbortController();
    let counted = true;
    const finished = () => {
      if (!counted) return;
      counted = false;
      inFlight -= 1;
      record.httpStatus = res.statusCode;
      record.durationMs = performance.now() - arrival;
    };
    res.on('finish', finished);
    res.on('close', () => {
      finished();
      requestAbort.abort();
    });

    const body = await readBody(req);
    const verdict = gate.verify(method, req.url ?? '/', req.headers.authorization);
    if (!verdict.ok) {
      // The bad login that reaches the threshold is already answered as locked.
      const lockedUntil = gate.stats.lockedUntil;
      const unlockIn =
        verdict.reason === 'locked'
          ? verdict.unlockInSeconds
          : lockedUntil !== null
            ? Math.ceil((lockedUntil - Date.now()) / 1000)
            : undefined;
      return unauthorized(res, verdict.reason === 'stale', unlockIn);
    }
    const signal = AbortSignal.any([requestAbort.signal, closeController.signal]);
    if (latencyMs > 0) await sleepUntil(arrival + latencyMs, signal);
    if (signal.aborted) return;

    if (url.pathname.startsWith('/ISAPI/') && (busyNext > 0 || (busyRate > 0 && rand() < busyRate))) {
      if (busyNext > 0) busyNext -= 1;
      // statusCode 2 "Device Busy" / deviceBusy (§2.2), HTTP 400 as failures normally are (§2.2) [sim].
      const busy = { statusCode: 2, subStatusCode: 'deviceBusy' };
      record.subStatusCode = busy.subStatusCode;
      const answer = isXmlEndpoint(url.pathname)
        ? xmlStatus(400, url.pathname, busy)
        : jsonStatus(400, url.pathname, busy);
      return send(res, answer);
    }

    const answer = await answerIsapi(
      {
        method,
        pathname: url.pathname,
        query: url.searchParams,
        contentType: req.headers['content-type'],
        body,
        state,
        profile,
        capture,
        publicUrl,
        record,
        signal,
        download,
        utcOffsetMinutes,
      },
      routes,
    );
    send(res, answer);
  }

  async function handleControl(res: http.ServerResponse, name: string, req: http.IncomingMessage): Promise<void> {
    const raw = await readBody(req);
    const isJpeg = raw.length > 3 && raw[0] === 0xff && raw[1] === 0xd8;
    const args = (raw.length === 0 || isJpeg ? {} : JSON.parse(raw.toString('utf8'))) as Record<string, unknown>;
    const json = (body: unknown, status = 200) =>
      send(res, { status, contentType: 'application/json', body: JSON.stringify(body) });
    const done = () => json({ ok: true });
    switch (name) {
      case 'latency':
        controls.setLatencyMs(Number(args.ms));
        return done();
      case 'busy-next':
        controls.busyNext(Number(args.n));
        return done();
      case 'busy-rate':
        controls.setBusyRate(Number(args.rate));
        return done();
      case 'clear-faults':
        controls.clearFaults();
        return done();
      case 'capture-delay':
        controls.setCaptureDelay(args.ms === null || args.ms === undefined ? null : Number(args.ms));
        return done();
      case 'present-face':
        // Body: a JPEG to present, or empty for the generated portrait.
        return json({ presented: await controls.presentFace(isJpeg ? raw : undefined) });
      case 'utc-offset':
        controls.setUtcOffsetMinutes(Number(args.minutes));
        return done();
      case 'access-decision':
        return json(
          controls.accessDecision(
            String(args.employeeNo),
            args.at === undefined ? undefined : new Date(String(args.at)),
          ),
        );
      case 'stop-capture':
        controls.stopCapture();
        return done();
      case 'add-events':
        controls.addEvents(Array.isArray(args.events) ? (args.events as SimEvent[]) : []);
        return done();
      case 'unlock':
        controls.unlock();
        return done();
      case 'reset':
        controls.reset();
        return done();
      case 'users':
        return json(controls.users());
      case 'faces':
        return json(controls.faces());
      case 'request-log':
        return json(controls.requestLog());
      case 'write-counts':
        return json(controls.writeCounts());
      case 'max-concurrent':
        return json({ maxConcurrent: controls.maxConcurrent() });
      case 'auth-stats':
        return json(controls.authStats());
      case 'status':
        return json({
          model: profile.model,
          capturing: controls.isCapturing(),
          users: state.users.size,
          utcOffsetMinutes,
        });
      default:
        return json({ error: `unknown control ${name}` }, 404);
    }
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://terminal');
    const work = url.pathname.startsWith(CONTROL_PREFIX)
      ? handleControl(res, url.pathname.slice(CONTROL_PREFIX.length), req)
      : handleIsapi(req, res, url);
    work.catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      send(res, {
        status: err instanceof RangeError || err instanceof SyntaxError ? 400 : 500,
        contentType: 'text/plain',
        body: message,
      });
    });
  };

  const host = opts.host ?? '127.0.0.1';
  const tls = opts.tls === true ? await selfSignedPair(opts.publicHost ?? host) : opts.tls || undefined;
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, listener) : http.createServer(listener);
  server.keepAliveTimeout = 15_000;
  server.on('connection', (socket: Socket) => {
    // Latency must be the terminal's, not Nagle's.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const scheme = tls ? 'https' : 'http';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `${scheme}://${urlHost}:${port}`;
  publicUrl = opts.publicHost !== undefined ? `${scheme}://${opts.publicHost}` : url;

  return {
    url,
    profile,
    ...(tls && { caPem: tls.cert }),
    controls,
    close: async () => {
      if (closing) return;
      closing = true;
      capture.stop();
      closeController.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
