import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { capString } from './log-value';

/**
 * The request headers a log line may show. An allow-list, not a deny-list: a token can arrive in any header
 * (`Authorization`, `X-Api-Key`, `Cookie`, `Proxy-Authorization`, a gateway's own), and none of these carry one.
 */
const LOGGED_REQUEST_HEADERS = ['host', 'user-agent', 'content-type', 'content-length', 'accept', 'x-request-id'];
/** Response headers worth a log line; `Set-Cookie` and the rest stay out. */
const LOGGED_RESPONSE_HEADERS = ['content-type', 'content-length'];

type LoggedRequest = Partial<Pick<IncomingMessage, 'method' | 'url' | 'headers' | 'socket'>> & {
  id?: unknown;
  originalUrl?: string;
};

/** pino's `req` serializer: method, the path without its query string (values may be secrets), allowed headers. */
export function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  const url = req.originalUrl ?? req.url ?? '';
  return {
    id: req.id,
    method: req.method,
    url: capString(pathOnly(url)),
    headers: pick(req.headers ?? {}, LOGGED_REQUEST_HEADERS),
    remoteAddress: req.socket?.remoteAddress,
  };
}

/** pino's `res` serializer: the status and the allowed headers. */
export function serializeResponse(
  res: Partial<Pick<ServerResponse, 'statusCode' | 'getHeaders'>>,
): Record<string, unknown> {
  const headers = typeof res.getHeaders === 'function' ? res.getHeaders() : {};
  return { statusCode: res.statusCode, headers: pick(headers, LOGGED_RESPONSE_HEADERS) };
}

export function pathOnly(url: string): string {
  const q = url.search(/[?#]/);
  return q === -1 ? url : url.slice(0, q);
}

function pick(headers: IncomingHttpHeaders | OutgoingHttpHeaders, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = headers[name];
    if (v !== undefined) out[name] = capString(Array.isArray(v) ? v.join(', ') : String(v));
  }
  return out;
}
