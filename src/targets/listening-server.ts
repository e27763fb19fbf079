import type http from 'node:http';
import type net from 'node:net';
import type { Socket } from 'node:net';

/**
 * The server plumbing the simulators (HikCentral, ISAPI) and the MQTT broker share: a bounded request body,
 * listening, and the open sockets that close() must end (keep-alive and held requests would otherwise keep it
 * waiting).
 */

/** The whole body; rejects with `tooLarge()` and drops the request past `maxBytes`. */
export function readBody(req: http.IncomingMessage, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(tooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * The server's open sockets. 'connection' gives the raw TCP socket for HTTPS too; destroying it ends the TLS
 * session with it. `noDelay` turns Nagle off, for a simulator whose latency must be its own.
 */
export function trackSockets(server: net.Server, opts: { noDelay?: boolean } = {}): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    if (opts.noDelay) socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

/** Stops listening and ends every open connection at once. */
export async function closeServer(server: http.Server, sockets: Set<Socket>): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  for (const socket of sockets) socket.destroy();
  await closed;
}

/** `scheme://host:port` of a listening server, with an IPv6 host in brackets. */
export function serverUrl(scheme: 'http' | 'https' | 'mqtt', host: string, port: number): string {
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${urlHost}:${port}`;
}
