import type http from 'node:http';
import type { HcpEnvelope } from '../protocol/types';
import { readBody as readBoundedBody } from '../../listening-server';

/** Reading a request and writing JSON answers, shared by the OpenAPI surface and the `/__sim/` controls. */

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const JSON_TYPE = 'application/json;charset=UTF-8';

export class BodyTooLarge extends Error {}

export const readBody = (req: http.IncomingMessage): Promise<Buffer> =>
  readBoundedBody(req, MAX_BODY_BYTES, () => new BodyTooLarge());

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendEnvelope(res: http.ServerResponse, status: number, envelope: HcpEnvelope, headers = {}): void {
  sendJson(res, status, envelope, headers);
}
