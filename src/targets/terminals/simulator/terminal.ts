import type http from 'node:http';
import type { DigestGate, GateVerdict } from './auth';
import type { CaptureStation } from './capture';
import { readBody, send } from './http-exchange';
import type { TerminalModelProfile } from './models';
import { answerIsapi, isXmlEndpoint, jsonStatus, xmlStatus, type routesFor, type SimAnswer } from './routes';
import { SimulatorState, type SimRequestRecord } from './state';

/** What a terminal is built from; `startIsapiSimulator` derives each part from its options. */
export interface TerminalParts {
  profile: TerminalModelProfile;
  gate: DigestGate;
  capture: CaptureStation;
  routes: ReturnType<typeof routesFor>;
  /** Draws for the busy rate. */
  rand: () => number;
  latencyMs: number;
  utcOffsetMinutes: number;
}

/** A zone's UTC offset: whole minutes within UTC−12…UTC+14. */
export function zoneOffset(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes < -12 * 60 || minutes > 14 * 60)
    throw new RangeError(`bad UTC offset ${minutes} min`);
  return minutes;
}

/**
 * One terminal's running side: what it stores, its injected faults and latency, the zone its clock is set to and
 * how many requests it is handling at once. The ISAPI handler and the controls both act on it, so its settings are
 * fields here rather than variables of one long closure.
 */
export class SimulatedTerminal {
  readonly state = new SimulatorState();
  readonly profile: TerminalModelProfile;
  readonly gate: DigestGate;
  readonly capture: CaptureStation;
  latencyMs: number;
  utcOffsetMinutes: number;
  busyNext = 0;
  busyRate = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** Set once the server listens: the address the terminal puts into URLs it hands out. */
  publicUrl = '';
  private readonly routes: ReturnType<typeof routesFor>;
  private readonly rand: () => number;
  private readonly closeController = new AbortController();

  constructor(parts: TerminalParts) {
    this.profile = parts.profile;
    this.gate = parts.gate;
    this.capture = parts.capture;
    this.routes = parts.routes;
    this.rand = parts.rand;
    this.latencyMs = parts.latencyMs;
    this.utcOffsetMinutes = zoneOffset(parts.utcOffsetMinutes);
  }

  clearFaults(): void {
    this.busyNext = 0;
    this.busyRate = 0;
  }

  /** Users, faces, files, events, logs, faults and auth counters back to empty; profile and latency stay. */
  reset(): void {
    this.state.reset();
    this.capture.stop();
    this.gate.reset();
    this.clearFaults();
    this.maxInFlight = this.inFlight;
  }

  /** Ends the capture and wakes every request still waiting out its latency or a download. */
  stop(): void {
    this.capture.stop();
    this.closeController.abort();
  }

  async handleIsapi(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    // Latency is "the terminal answers this long after the request arrived": parsing and auth are inside it.
    const arrival = performance.now();
    const method = req.method ?? 'GET';
    const { record, clientGone } = this.trackRequest(method, url.pathname, res, arrival);

    const body = await readBody(req);
    const verdict = this.gate.verify(method, req.url ?? '/', req.headers.authorization);
    if (!verdict.ok) return this.unauthorized(res, verdict.reason === 'stale', this.unlockInSeconds(verdict));
    const signal = AbortSignal.any([clientGone, this.closeController.signal]);
    if (this.latencyMs > 0) await sleepUntil(arrival + this.latencyMs, signal);
    if (signal.aborted) return;

    if (url.pathname.startsWith('/ISAPI/') && this.takeBusy()) return send(res, busyAnswer(url.pathname, record));

    const answer = await answerIsapi(
      {
        method,
        pathname: url.pathname,
        query: url.searchParams,
        contentType: req.headers['content-type'],
        body,
        state: this.state,
        profile: this.profile,
        capture: this.capture,
        publicUrl: this.publicUrl,
        record,
        signal,
        download,
        utcOffsetMinutes: this.utcOffsetMinutes,
      },
      this.routes,
    );
    send(res, answer);
  }

  /** Logs the request and counts it in flight until its answer is written or its socket closes (§2.1: terminals serialise). */
  private trackRequest(
    method: string,
    pathname: string,
    res: http.ServerResponse,
    arrival: number,
  ): { record: SimRequestRecord; clientGone: AbortSignal } {
    const record = this.state.logRequest(method, pathname);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const requestAbort = new AbortController();
    let counted = true;
    const finished = () => {
      if (!counted) return;
      counted = false;
      this.inFlight -= 1;
      record.httpStatus = res.statusCode;
      record.durationMs = performance.now() - arrival;
    };
    res.on('finish', finished);
    res.on('close', () => {
      finished();
      requestAbort.abort();
    });
    return { record, clientGone: requestAbort.signal };
  }

  /** Whether this request is answered busy: first the `busyNext` count, then the busy rate. */
  private takeBusy(): boolean {
    if (this.busyNext > 0) {
      this.busyNext -= 1;
      return true;
    }
    return this.busyRate > 0 && this.rand() < this.busyRate;
  }

  /** Seconds until the lockout ends, when there is one. */
  private unlockInSeconds(verdict: Exclude<GateVerdict, { ok: true }>): number | undefined {
    // The bad login that reaches the threshold is already answered as locked.
    if (verdict.reason === 'locked') return verdict.unlockInSeconds;
    const lockedUntil = this.gate.stats.lockedUntil;
    return lockedUntil !== null ? Math.ceil((lockedUntil - Date.now()) / 1000) : undefined;
  }

  /** The 401 answer: a fresh challenge and the `<userCheck>` body (§2.1). */
  private unauthorized(res: http.ServerResponse, stale: boolean, unlockInSeconds?: number): void {
    // `<statusValue>`/`<statusString>` are from the §2.1 capture; lockStatus/unlockTime/retryLoginTime are [sim]
    // fields for the "illegal login lock" the reference names without showing its body.
    const lock =
      unlockInSeconds !== undefined
        ? `<lockStatus>lock</lockStatus><unlockTime>${unlockInSeconds}</unlockTime>`
        : `<lockStatus>unlock</lockStatus><retryLoginTime>${this.gate.remainingAttempts}</retryLoginTime>`;
    send(res, {
      status: 401,
      contentType: 'application/xml; charset="UTF-8"',
      headers: { 'WWW-Authenticate': this.gate.challenge(stale) },
      body:
        '<?xml version="1.0" encoding="UTF-8"?>\n<userCheck><statusValue>401</statusValue>' +
        `<statusString>Unauthorized</statusString>${lock}</userCheck>`,
    });
  }
}

/** statusCode 2 "Device Busy" / deviceBusy (§2.2), HTTP 400 as failures normally are (§2.2) [sim]. */
function busyAnswer(pathname: string, record: SimRequestRecord): SimAnswer {
  const busy = { statusCode: 2, subStatusCode: 'deviceBusy' };
  record.subStatusCode = busy.subStatusCode;
  return isXmlEndpoint(pathname) ? xmlStatus(400, pathname, busy) : jsonStatus(400, pathname, busy);
}

/** The terminal fetching a URL itself (§2.5 URL mode); `undefined` when unreachable. */
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
