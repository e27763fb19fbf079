import type http from 'node:http';
import type { InjectedFault, SimulatorFaults } from './faults';
import { sendEnvelope } from './http-exchange';
import { answerApi, type SimAnswer } from './routes';
import { authenticate, type GatewayCredentials } from './signature-check';
import type { SimulatorRequestRecord, SimulatorState } from './state';
import type { HcpEnvelope } from '../protocol/types';

export const API_PREFIX = '/artemis/api';

type AnsweredFault = Exclude<InjectedFault, { kind: 'timeout' }>;

/**
 * One API call from arrival to answer: it keeps the request log entry and the per-path counters in step with
 * what is written back.
 */
class ApiExchange {
  private readonly record: SimulatorRequestRecord;

  constructor(
    private readonly state: SimulatorState,
    private readonly res: http.ServerResponse,
    private readonly apiPath: string,
    body: unknown,
  ) {
    this.record = state.logRequest(apiPath, body);
    state.countPath(apiPath, 'received');
    res.on('finish', () => {
      this.record.httpStatus = res.statusCode;
      this.record.code ??= `http-${res.statusCode}`;
    });
  }

  reply(status: number, envelope: HcpEnvelope, headers: Record<string, string> = {}): void {
    this.record.code = envelope.code;
    if (envelope.code === '0') this.state.countPath(this.apiPath, 'succeeded');
    sendEnvelope(this.res, status, envelope, headers);
  }

  /** A non-envelope answer (a picture). */
  file(answer: Exclude<SimAnswer, { kind: 'envelope' }>): void {
    this.record.code = '0';
    this.state.countPath(this.apiPath, 'succeeded');
    this.res.writeHead(answer.status, {
      'Content-Type': answer.contentType,
      'Content-Length': Buffer.byteLength(answer.body),
    });
    this.res.end(answer.body);
  }

  fault(fault: AnsweredFault): void {
    const faults = this.state.counters.faults;
    switch (fault.kind) {
      case 'serverError':
        faults.serverErrors += 1;
        // A proxy in front of the gateway answers with its own page, not the envelope.
        this.res.writeHead(fault.status, { 'Content-Type': 'text/plain' });
        this.res.end(fault.status === 503 ? 'Service Unavailable' : 'Internal Server Error');
        return;
      case 'rateLimited':
        this.record.code = '0x02401009';
        faults.rateLimited += 1;
        sendEnvelope(
          this.res,
          429,
          { code: '0x02401009', msg: 'the maximum number of API calls has been reached' },
          { 'Retry-After': String(fault.retryAfterSeconds) },
        );
        return;
      case 'busy':
        this.record.code = '6';
        faults.busy += 1;
        sendEnvelope(this.res, 200, { code: '6', msg: 'server busy' });
        return;
    }
  }
}

function parseJson(raw: Buffer): unknown {
  try {
    return raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The OpenAPI side of the simulated HikCentral: latency, injected faults, the signature check, then the route.
 * Delayed handlers are woken on stop() so that close() does not wait for them.
 */
export class SimulatedGateway {
  private readonly sleeps = new Map<NodeJS.Timeout, () => void>();
  private closing = false;

  constructor(
    readonly state: SimulatorState,
    readonly faults: SimulatorFaults,
    private readonly credentials: GatewayCredentials,
  ) {}

  async handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL, raw: Buffer): Promise<void> {
    const apiPath = url.pathname.slice(API_PREFIX.length);
    const body = parseJson(raw);
    const exchange = new ApiExchange(this.state, res, apiPath, body);

    if (this.faults.latencyMs > 0) await this.sleep(this.faults.latencyMs);
    if (this.closing) return;

    const early = this.faults.beforeAuth();
    if (early?.kind === 'timeout') {
      // Hold the connection without answering; close() destroys the socket.
      this.state.counters.faults.timeouts += 1;
      return;
    }
    if (early !== undefined) return exchange.fault(early);

    const auth = authenticate(this.credentials, req, url.pathname, url.searchParams);
    if (!auth.ok) {
      this.state.counters.faults.unauthorized += 1;
      return exchange.reply(401, { code: auth.code, msg: auth.message }, { 'X-Ca-Error-Message': auth.message });
    }
    const late = this.faults.afterAuth();
    if (late !== undefined && late.kind !== 'timeout') return exchange.fault(late);

    if (req.method !== 'POST')
      return exchange.reply(405, { code: '8', msg: 'only POST is supported' }, { Allow: 'POST' });
    const answer = await answerApi(apiPath, body, this.state);
    if (answer.kind === 'envelope') return exchange.reply(200, answer.envelope);
    exchange.file(answer);
  }

  /** Wakes delayed handlers so they see `closing` and finish instead of hanging. */
  stop(): void {
    this.closing = true;
    for (const [timer, wake] of this.sleeps) {
      clearTimeout(timer);
      wake();
    }
    this.sleeps.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.sleeps.delete(timer);
        resolve();
      }, ms);
      this.sleeps.set(timer, resolve);
    });
  }
}
