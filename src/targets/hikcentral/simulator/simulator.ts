import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { answerControl, gatewayControls, type HikCentralSimulatorControls } from './controls';
import { SimulatorFaults } from './faults';
import { API_PREFIX, SimulatedGateway } from './gateway';
import { BodyTooLarge, readBody, sendJson } from './http-exchange';
import { SimulatorState, type SimulatedPrivilegeGroup } from './state';
import type { OrgInfo } from '../protocol/types';
import { closeServer, listen, serverUrl, trackSockets } from '../../listening-server';

/**
 * A standalone HikCentral OpenAPI gateway the real client talks to over a socket (STYLE 4): Artemis signature
 * checks, the `{code,msg,data}` envelope, HCP's codes, and injectable faults. Answers follow reference
 * hikvision.md §1; where the real behaviour is unknown the choice is documented next to the code.
 */

export type { HikCentralSimulatorControls } from './controls';
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

const CONTROL_PREFIX = '/__sim/';

/** `/__sim/` to the controls, `/artemis/api/` to the gateway, anything else a plain 404. */
async function route(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  gateway: SimulatedGateway,
  controls: HikCentralSimulatorControls,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://simulator');
  const raw = await readBody(req);
  if (url.pathname.startsWith(CONTROL_PREFIX)) {
    const { status, body } = answerControl(controls, url.pathname.slice(CONTROL_PREFIX.length), raw);
    return sendJson(res, status, body);
  }
  // Paths outside the gateway get a plain 404; unknown paths under /artemis/api get code 8 (§1.7) from answerApi.
  if (!url.pathname.startsWith(`${API_PREFIX}/`)) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('Not Found');
    return;
  }
  await gateway.handleApi(req, res, url, raw);
}

function answerError(res: http.ServerResponse, err: unknown): void {
  if (res.headersSent || res.destroyed) return;
  if (err instanceof BodyTooLarge) return sendJson(res, 413, { code: '2', msg: 'request body too large' });
  if (err instanceof RangeError || err instanceof SyntaxError) return sendJson(res, 400, { error: err.message });
  sendJson(res, 500, { code: '5', msg: `simulator error: ${err instanceof Error ? err.message : String(err)}` });
}

export async function startHikCentralSimulator(opts: HikCentralSimulatorOptions): Promise<HikCentralSimulator> {
  const state = new SimulatorState(
    opts.orgs ?? DEFAULT_SIM_ORGS,
    opts.privilegeGroups ?? DEFAULT_SIM_PRIVILEGE_GROUPS,
    opts.stateFile,
  );
  const gateway = new SimulatedGateway(state, new SimulatorFaults(opts.seed ?? 9016), opts);
  const controls = gatewayControls(gateway);
  const listener: http.RequestListener = (req, res) => {
    route(req, res, gateway, controls).catch((err: unknown) => answerError(res, err));
  };
  const server = opts.tls
    ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, listener)
    : http.createServer(listener);
  const sockets = trackSockets(server);
  const host = opts.host ?? '127.0.0.1';
  await listen(server, opts.port ?? 0, host);
  const { port } = server.address() as AddressInfo;

  return {
    url: serverUrl(opts.tls ? 'https' : 'http', host, port),
    controls,
    close: async () => {
      gateway.stop();
      // Held ("timeout") requests and keep-alive sockets would otherwise keep close() waiting forever.
      await closeServer(server, sockets);
    },
  };
}
