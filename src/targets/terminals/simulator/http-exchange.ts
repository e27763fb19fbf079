import type http from 'node:http';
import type { SimAnswer } from './routes';

/** Reading a request and writing an answer, shared by the ISAPI surface and the `/__sim/` controls. */

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export function readBody(req: http.IncomingMessage): Promise<Buffer> {
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
