import type http from 'node:http';
import type { SimAnswer } from './routes';
import { readBody as readBoundedBody } from '../../listening-server';

/** Reading a request and writing an answer, shared by the ISAPI surface and the `/__sim/` controls. */

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export const readBody = (req: http.IncomingMessage): Promise<Buffer> =>
  readBoundedBody(req, MAX_BODY_BYTES, () => new RangeError('request body too large'));

export function send(res: http.ServerResponse, answer: SimAnswer): void {
  if (res.destroyed || res.headersSent) return;
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body, 'utf8') : answer.body;
  res.writeHead(answer.status, {
    'Content-Type': answer.contentType,
    'Content-Length': body.length,
    ...answer.headers,
  });
  res.end(body);
}
