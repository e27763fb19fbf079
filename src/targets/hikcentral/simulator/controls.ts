import type { RateLimitStorm } from './faults';
import type { SimulatedGateway } from './gateway';
import type { SimulatedPerson, SimulatorCounters, SimulatorRequestRecord } from './state';

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

/** The in-process controls of one gateway. */
export function gatewayControls({ state, faults }: SimulatedGateway): HikCentralSimulatorControls {
  return {
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
}

type ControlArgs = Record<string, unknown>;

/** A control that changes something and answers `{ ok: true }`. */
const act =
  (change: (controls: HikCentralSimulatorControls, args: ControlArgs) => void) =>
  (controls: HikCentralSimulatorControls, args: ControlArgs): unknown => {
    change(controls, args);
    return { ok: true };
  };

/** The same controls over HTTP under `/__sim/<name>`, unsigned, so a simulator in another process can be steered. */
const HTTP_CONTROLS = new Map<string, (controls: HikCentralSimulatorControls, args: ControlArgs) => unknown>([
  ['latency', act((c, args) => c.setLatencyMs(Number(args.ms)))],
  ['rate-limit-storm', act((c, args) => c.startRateLimitStorm(args as unknown as RateLimitStorm))],
  ['server-error-rate', act((c, args) => c.setServerErrorRate(Number(args.rate)))],
  ['busy-code-rate', act((c, args) => c.setBusyCodeRate(Number(args.rate)))],
  ['timeout-rate', act((c, args) => c.setTimeoutRate(Number(args.rate)))],
  ['clear-faults', act((c) => c.clearFaults())],
  ['reset', act((c) => c.reset())],
  ['counters', (c) => c.counters()],
  ['request-log', (c) => c.requestLog()],
  ['persons', (c) => c.persons()],
  ['privilege-membership', (c) => c.privilegeMembership()],
  ['apply-requests', (c) => ({ count: c.applyRequests() })],
]);

/** The answer to `/__sim/<name>`: status and JSON body. */
export function answerControl(
  controls: HikCentralSimulatorControls,
  name: string,
  raw: Buffer,
): { status: number; body: unknown } {
  const args = (raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'))) as ControlArgs;
  const control = HTTP_CONTROLS.get(name);
  if (control === undefined) return { status: 404, body: { error: `unknown control ${name}` } };
  return { status: 200, body: control(controls, args) };
}
