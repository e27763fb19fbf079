import { createServer, type AddressInfo, type Server } from 'node:net';

/** Listens on `port` (0: any) on loopback; undefined when it is taken. */
function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const close = (server: Server) => new Promise((resolve) => server.close(resolve));

/** A loopback port that was free a moment ago, for the embedded services of benchmarks and tests. */
export async function freePort(): Promise<number> {
  const server = await listen(0);
  if (server === undefined) throw new Error('no free port');
  const { port } = server.address() as AddressInfo;
  await close(server);
  return port;
}

/** A port p with p+1 also free (the ISAPI simulators take consecutive ports). */
export async function freePortPair(): Promise<number> {
  for (let tries = 0; tries < 20; tries += 1) {
    const first = await listen(0);
    if (first === undefined) continue;
    const { port } = first.address() as AddressInfo;
    const second = port < 65535 ? await listen(port + 1) : undefined;
    await close(first);
    if (second !== undefined) {
      await close(second);
      return port;
    }
  }
  throw new Error('no free consecutive ports');
}
