import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsapiClient } from '../../../src/targets/terminals/client/client';
import { IsapiError } from '../../../src/targets/terminals/client/errors';
import { startIsapiSimulator, type IsapiSimulator } from '../../../src/targets/terminals/simulator/simulator';

let sim: IsapiSimulator;
const clients: IsapiClient[] = [];
const make = (opts: { ca?: string; insecureTls?: boolean }) => {
  const c = new IsapiClient({ baseUrl: sim.url, username: 'admin', password: 'tls-pass', timeoutMs: 5000, ...opts });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  sim = await startIsapiSimulator({
    tls: true,
    username: 'admin',
    password: 'tls-pass',
    capture: { presentAfterMs: 50, holdMs: 500 },
  });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim.close();
});

describe('HTTPS terminal with a self-signed certificate (§2.1)', () => {
  it('should work when the certificate is passed as ca, including capture URLs over https', async () => {
    expect(sim.url).toMatch(/^https:\/\//);
    const client = make({ ca: sim.caPem });
    expect((await client.deviceInfo()).model).toBe('DS-K1T343EFWX');
    const captured = await client.captureFace({ timeoutMs: 5000, pollIntervalMs: 20 });
    expect(captured.faceDataUrl.startsWith(`${sim.url}/LOCALS/pic/web_face_enrollpic.jpg@WEB`)).toBe(true);
    expect((await client.fetchPicture(captured.faceDataUrl)).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('should fail with a permanent tls error for a different CA, without sending credentials', async () => {
    const other = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048, algorithm: 'sha256' });
    const before = sim.controls.authStats();
    let err: unknown;
    try {
      await make({ ca: other.cert }).countUsers();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IsapiError);
    expect(err).toMatchObject({ kind: 'permanent', transport: 'tls' });
    expect((err as IsapiError).retryable).toBe(false);
    expect(sim.controls.authStats().challenges).toBe(before.challenges);
  });

  it('should fail without ca, and work with insecureTls as public clients do', async () => {
    await expect(make({}).countUsers()).rejects.toMatchObject({ transport: 'tls' });
    await expect(make({ insecureTls: true }).countUsers()).resolves.toMatchObject({ userNumber: 0 });
  });
});
