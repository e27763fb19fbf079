import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { AuthStats } from './auth';
import { readBody, send } from './http-exchange';
import type { SimEvent, SimRequestRecord, WriteCounts } from './state';
import { zoneOffset, type SimulatedTerminal } from './terminal';
import { accessDecision, type AccessDecision } from './validity';

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

/** The in-process controls of one terminal. */
export function terminalControls(t: SimulatedTerminal): IsapiSimulatorControls {
  const { state, capture, gate } = t;
  return {
    setLatencyMs: (ms) => {
      t.latencyMs = Math.max(0, ms);
    },
    busyNext: (n) => {
      t.busyNext = Math.max(0, Math.trunc(n));
    },
    setBusyRate: (rate) => {
      t.busyRate = Math.min(1, Math.max(0, rate));
    },
    clearFaults: () => t.clearFaults(),
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
    accessDecision: (employeeNo, at = new Date()) =>
      accessDecision(state.users.get(employeeNo), at, t.utcOffsetMinutes),
    setUtcOffsetMinutes: (minutes) => {
      t.utcOffsetMinutes = zoneOffset(minutes);
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
    maxConcurrent: () => t.maxInFlight,
    authStats: () => ({ ...gate.stats }),
    unlock: () => gate.unlock(),
    reset: () => t.reset(),
  };
}

interface ControlCall {
  controls: IsapiSimulatorControls;
  terminal: SimulatedTerminal;
  args: Record<string, unknown>;
  /** The body when it is a JPEG (`present-face`). */
  jpeg: Buffer | undefined;
}

/** A control that changes something and answers `{ ok: true }`. */
const act =
  (change: (call: ControlCall) => void) =>
  (call: ControlCall): unknown => {
    change(call);
    return { ok: true };
  };

/** The controls over HTTP under `/__sim/<name>`, unauthenticated, for a simulator in another process. */
const HTTP_CONTROLS = new Map<string, (call: ControlCall) => unknown>([
  ['latency', act(({ controls, args }) => controls.setLatencyMs(Number(args.ms)))],
  ['busy-next', act(({ controls, args }) => controls.busyNext(Number(args.n)))],
  ['busy-rate', act(({ controls, args }) => controls.setBusyRate(Number(args.rate)))],
  ['clear-faults', act(({ controls }) => controls.clearFaults())],
  [
    'capture-delay',
    act(({ controls, args }) =>
      controls.setCaptureDelay(args.ms === null || args.ms === undefined ? null : Number(args.ms)),
    ),
  ],
  // Body: a JPEG to present, or empty for the generated portrait.
  ['present-face', async ({ controls, jpeg }) => ({ presented: await controls.presentFace(jpeg) })],
  ['utc-offset', act(({ controls, args }) => controls.setUtcOffsetMinutes(Number(args.minutes)))],
  [
    'access-decision',
    ({ controls, args }) =>
      controls.accessDecision(String(args.employeeNo), args.at === undefined ? undefined : new Date(String(args.at))),
  ],
  ['stop-capture', act(({ controls }) => controls.stopCapture())],
  [
    'add-events',
    act(({ controls, args }) => controls.addEvents(Array.isArray(args.events) ? (args.events as SimEvent[]) : [])),
  ],
  ['unlock', act(({ controls }) => controls.unlock())],
  ['reset', act(({ controls }) => controls.reset())],
  ['users', ({ controls }) => controls.users()],
  ['faces', ({ controls }) => controls.faces()],
  ['request-log', ({ controls }) => controls.requestLog()],
  ['write-counts', ({ controls }) => controls.writeCounts()],
  ['max-concurrent', ({ controls }) => ({ maxConcurrent: controls.maxConcurrent() })],
  ['auth-stats', ({ controls }) => controls.authStats()],
  [
    'status',
    ({ controls, terminal }) => ({
      model: terminal.profile.model,
      capturing: controls.isCapturing(),
      users: terminal.state.users.size,
      utcOffsetMinutes: terminal.utcOffsetMinutes,
    }),
  ],
]);

export async function handleControl(
  res: http.ServerResponse,
  name: string,
  req: http.IncomingMessage,
  terminal: SimulatedTerminal,
  controls: IsapiSimulatorControls,
): Promise<void> {
  const raw = await readBody(req);
  const isJpeg = raw.length > 3 && raw[0] === 0xff && raw[1] === 0xd8;
  const args = (raw.length === 0 || isJpeg ? {} : JSON.parse(raw.toString('utf8'))) as Record<string, unknown>;
  const json = (body: unknown, status = 200) =>
    send(res, { status, contentType: 'application/json', body: JSON.stringify(body) });
  const control = HTTP_CONTROLS.get(name);
  if (control === undefined) return json({ error: `unknown control ${name}` }, 404);
  json(await control({ controls, terminal, args, jpeg: isJpeg ? raw : undefined }));
}
