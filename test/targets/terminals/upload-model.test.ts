import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IsapiClient } from '../../../src/targets/terminals/client/client';
import { IsapiError } from '../../../src/targets/terminals/client/errors';
import { startIsapiSimulator, type IsapiSimulator } from '../../../src/targets/terminals/simulator/simulator';

const USER = 'admin';
const PASSWORD = 'upload-model-pass';

async function rejection(call: Promise<unknown>): Promise<IsapiError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof IsapiError) return err;
    throw err;
  }
  throw new Error('expected an IsapiError');
}

/** A large JPEG of the given size: random noise does not compress. */
async function noisyJpeg(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i += 1) raw[i] = (i * 2654435761) >>> 24;
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();
}

let sim: IsapiSimulator;
let client: IsapiClient;
let small: Buffer;
let large: Buffer;
let fileServer: http.Server;
let fileUrl: string;

beforeAll(async () => {
  sim = await startIsapiSimulator({ model: 'DS-K1T320MFWX', username: USER, password: PASSWORD });
  client = new IsapiClient({ baseUrl: sim.url, username: USER, password: PASSWORD });
  small = await sharp({ create: { width: 400, height: 500, channels: 3, background: '#b08060' } })
    .jpeg()
    .toBuffer();
  large = await noisyJpeg(700, 700);
  // A web server on the terminal's LAN, for the URL mode (§2.5).
  fileServer = http.createServer((req, res) => {
    if (req.url !== '/faces/ok.jpg') return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'image/jpeg' }).end(small);
  });
  await new Promise<void>((resolve) => fileServer.listen(0, '127.0.0.1', resolve));
  fileUrl = `http://127.0.0.1:${(fileServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await client.close();
  await sim.close();
  await new Promise((resolve) => fileServer.close(resolve));
});

beforeEach(async () => {
  sim.controls.reset();
  await client.setUpUser({ employeeNo: '7001', name: 'Upload Person' });
});

describe('upload-capable terminal (model b)', () => {
  it('should advertise binary upload in its capabilities', async () => {
    const caps = await client.capabilities();
    expect(caps.faceUpload).toMatchObject({ binary: true, url: true, maxPictureBytes: 200 * 1024 });
  });

  it('should accept the §2.5 multipart FaceDataRecord and store the exact bytes', async () => {
    expect(small.length).toBeLessThan(200 * 1024);
    await client.uploadFace('7001', small);
    const stored = sim.controls.faceJpeg('7001');
    expect(stored !== undefined && Buffer.compare(stored, small)).toBe(0);
    const page = await client.searchFaces();
    expect(page).toMatchObject({ totalMatches: 1, responseStatusStrg: 'OK' });
    expect(page.items[0]?.FPID).toBe('7001');
    // The library's faceURL is served by the terminal.
    expect(Buffer.compare(await client.fetchPicture(String(page.items[0]?.faceURL)), small)).toBe(0);
  });

  it('should refuse a JPEG over 200 KB as a face rejection, storing nothing', async () => {
    expect(large.length).toBeGreaterThan(200 * 1024);
    const err = await rejection(client.uploadFace('7001', large));
    expect(err).toMatchObject({
      kind: 'faceRejected',
      statusCode: 6,
      subStatusCode: 'badParameters',
      errorMsg: 'FaceImage',
    });
    expect(sim.controls.faces()).toEqual([]);
  });

  it('should refuse a second FaceDataRecord for the same FPID, and replace via FDSetUp', async () => {
    await client.uploadFace('7001', small);
    expect((await rejection(client.uploadFace('7001', small))).kind).toBe('alreadyExists');
    const other = await sharp({ create: { width: 300, height: 380, channels: 3, background: '#704030' } })
      .jpeg()
      .toBuffer();
    await client.replaceFace('7001', other);
    expect(Buffer.compare(sim.controls.faceJpeg('7001') ?? Buffer.alloc(0), other)).toBe(0);
  });

  it('should refuse a face for an employeeNo that is not a user (create the user first, §2.5)', async () => {
    expect((await rejection(client.uploadFace('no-such-user', small))).kind).toBe('notFound');
  });

  it('should download a reachable faceURL and refuse an unreachable one', async () => {
    await client.addFaceByUrl('7001', `${fileUrl}/faces/ok.jpg`);
    expect(sim.controls.faces()).toMatchObject([{ FPID: '7001', source: 'download', bytes: small.length }]);
    await client.setUpUser({ employeeNo: '7002' });
    expect((await rejection(client.addFaceByUrl('7002', `${fileUrl}/faces/missing.jpg`))).kind).toBe('urlDownloadFail');
  });

  it('should delete faces, idempotently', async () => {
    await client.uploadFace('7001', small);
    await client.deleteFaces(['7001', 'never-had-one']);
    expect(sim.controls.faces()).toEqual([]);
    expect(await client.countUsers()).toMatchObject({ userNumber: 1, bindFaceUserNumber: 0 });
  });

  it('should page through faces', async () => {
    for (let i = 0; i < 35; i += 1) {
      await client.setUpUser({ employeeNo: `F${i}` });
      await client.uploadFace(`F${i}`, small);
    }
    const seen: string[] = [];
    for await (const f of client.faces({ pageSize: 30 })) seen.push(f.FPID);
    expect(seen).toHaveLength(35);
    expect(new Set(seen).size).toBe(35);
  });
});
