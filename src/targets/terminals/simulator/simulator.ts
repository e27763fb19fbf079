import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { DigestGate } from './auth';
import { CaptureStation, defaultCaptureJpeg } from './capture';
import { handleControl, terminalControls, type IsapiSimulatorControls } from './controls';
import { send } from './http-exchange';
import { modelProfile, type TerminalModelProfile } from './models';
import { routesFor } from './routes';
import { SimulatedTerminal } from './terminal';
import { closeServer, listen, serverUrl, trackSockets } from '../../listening-server';

/**
 * One simulated Hikvision access terminal speaking ISAPI over a real socket (STYLE 4; reference hikvision.md §2,
 * seed 002): Digest auth with the login lockout, JSON and XML endpoints, paging, capture-then-bind, model
 * capacities, busy injection and a fixed latency. Controls are in-process (`controls`) and over HTTP under
 * `/__sim/` (unauthenticated, for a simulator in another process).
 */

export type { AuthStats } from './auth';
export type { IsapiSimulatorControls } from './controls';
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

export interface IsapiSimulator {
  url: string;
  profile: TerminalModelProfile;
  /** PEM of the self-signed certificate (HTTPS only): pass it to the client as `ca`. */
  caPem?: string;
  controls: IsapiSimulatorControls;
  close(): Promise<void>;
}

const CONTROL_PREFIX = '/__sim/';

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

/** Serial number and MAC of the `index`-th terminal started together, so that they differ. */
function terminalIdentity(index: number): { serialNumber: string; macAddress: string } {
  const serialNumber = `20240101CCWR${String(123456789 + index).padStart(9, '0')}`;
  const macAddress = `c0:56:e3:00:${((index >> 8) & 0xff).toString(16).padStart(2, '0')}:${(index & 0xff).toString(16).padStart(2, '0')}`;
  return { serialNumber, macAddress };
}

function digestGate(opts: IsapiSimulatorOptions, serialNumber: string): DigestGate {
  return new DigestGate({
    realm: opts.realm ?? createHash('md5').update(serialNumber).digest('hex'),
    username: opts.username ?? 'admin',
    password: opts.password ?? 'Admin12345',
    nonceTtlMs: opts.nonceTtlMs ?? 5 * 60_000,
    lockoutThreshold: opts.lockoutThreshold ?? 5,
    lockoutMs: opts.lockoutMs ?? 30 * 60_000,
  });
}

/** The capture station; the generated portrait is drawn once, on the first capture that needs it. */
function captureStation(opts: IsapiSimulatorOptions, index: number): CaptureStation {
  const injected = opts.capture?.image;
  let defaultImage: Promise<Buffer> | undefined;
  return new CaptureStation(
    {
      presentAfterMs: opts.capture?.presentAfterMs === undefined ? 3000 : opts.capture.presentAfterMs,
      holdMs: opts.capture?.holdMs ?? 2000,
    },
    () => (injected !== undefined ? Promise.resolve(injected) : (defaultImage ??= defaultCaptureJpeg(index))),
  );
}

function buildTerminal(opts: IsapiSimulatorOptions): SimulatedTerminal {
  const base = typeof opts.model === 'object' ? opts.model : modelProfile(opts.model ?? 'DS-K1T343EFWX');
  const index = opts.index ?? 0;
  const identity = terminalIdentity(index);
  return new SimulatedTerminal({
    profile: { ...base, ...opts.modelOverrides },
    gate: digestGate(opts, identity.serialNumber),
    capture: captureStation(opts, index),
    routes: routesFor(identity),
    rand: random(opts.seed ?? 8000 + index),
    latencyMs: opts.latencyMs ?? 0,
    utcOffsetMinutes: opts.utcOffsetMinutes ?? 0,
  });
}

/** Routes `/__sim/` to the controls and everything else to ISAPI; a thrown error becomes a plain-text answer. */
function requestListener(terminal: SimulatedTerminal, controls: IsapiSimulatorControls): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://terminal');
    const work = url.pathname.startsWith(CONTROL_PREFIX)
      ? handleControl(res, url.pathname.slice(CONTROL_PREFIX.length), req, terminal, controls)
      : terminal.handleIsapi(req, res, url);
    work.catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      send(res, {
        status: err instanceof RangeError || err instanceof SyntaxError ? 400 : 500,
        contentType: 'text/plain',
        body: message,
      });
    });
  };
}

export async function startIsapiSimulator(opts: IsapiSimulatorOptions = {}): Promise<IsapiSimulator> {
  const terminal = buildTerminal(opts);
  const controls = terminalControls(terminal);
  const listener = requestListener(terminal, controls);
  const host = opts.host ?? '127.0.0.1';
  const tls = opts.tls === true ? await selfSignedPair(opts.publicHost ?? host) : opts.tls || undefined;
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, listener) : http.createServer(listener);
  server.keepAliveTimeout = 15_000;
  // Latency must be the terminal's, not Nagle's.
  const sockets = trackSockets(server, { noDelay: true });
  await listen(server, opts.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const scheme = tls ? 'https' : 'http';
  const url = serverUrl(scheme, host, port);
  terminal.publicUrl = opts.publicHost !== undefined ? `${scheme}://${opts.publicHost}` : url;

  let closing = false;
  return {
    url,
    profile: terminal.profile,
    ...(tls && { caPem: tls.cert }),
    controls,
    close: async () => {
      if (closing) return;
      closing = true;
      terminal.stop();
      await closeServer(server, sockets);
    },
  };
}
