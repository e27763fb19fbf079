import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { IsapiClient, type IsapiClientOptions } from '../../../src/targets/terminals/client/client';
import { IsapiAuthError, IsapiError } from '../../../src/targets/terminals/client/errors';
import { buildMultipart } from '../../../src/targets/terminals/protocol/isapi-body';
import { startIsapiSimulator, type IsapiSimulator } from '../../../src/targets/terminals/simulator/simulator';
import type { UserInfo } from '../../../src/targets/terminals/protocol/types';

const USER = 'admin';
const PASSWORD = 'Kx9-terminal-pass';

/** Resolves to the IsapiError the call threw; fails the test when the call succeeds. */
async function rejection(call: Promise<unknown>): Promise<IsapiError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof IsapiError) return err;
    throw err;
  }
  throw new Error('expected an IsapiError');
}

const user = (employeeNo: string, name = `Person ${employeeNo}`): UserInfo => ({
  employeeNo,
  name,
  userType: 'normal',
  Valid: { enable: true, beginTime: '2026-01-01T00:00:00', endTime: '2030-12-31T23:59:59', timeType: 'local' },
  doorRight: '1',
  RightPlan: [{ doorNo: 1, planTemplateNo: '1' }],
});

let sim: IsapiSimulator;
let client: IsapiClient;
const extraClients: IsapiClient[] = [];

const newClient = (overrides: Partial<IsapiClientOptions> = {}) => {
  const c = new IsapiClient({ baseUrl: sim.url, username: USER, password: PASSWORD, timeoutMs: 5000, ...overrides });
  extraClients.push(c);
  return c;
};

beforeAll(async () => {
  // Model (a): seed 002's terminal.
  sim = await startIsapiSimulator({
    model: 'DS-K1T343EFWX',
    username: USER,
    password: PASSWORD,
    modelOverrides: { maxUsers: 200 },
    capture: { presentAfterMs: null, holdMs: 150 },
  });
  client = new IsapiClient({
    baseUrl: sim.url,
    username: USER,
    password: PASSWORD,
    timeoutMs: 5000,
    utcOffsetMinutes: -360,
  });
});

afterAll(async () => {
  await client.close();
  await Promise.all(extraClients.map((c) => c.close()));
  await sim.close();
});

beforeEach(() => {
  sim.controls.reset();
  sim.controls.setLatencyMs(0);
  sim.controls.setCaptureDelay(null);
});

afterEach(() => sim.controls.stopCapture());

describe('IsapiClient against the simulated DS-K1T343EFWX (seed 002 terminal)', () => {
  it('should read deviceInfo as XML and the capabilities the model reports', async () => {
    const info = await client.deviceInfo();
    expect(info.model).toBe('DS-K1T343EFWX');
    expect(info.serialNumber).toMatch(/^DS-K1T343EFWX/);
    expect(info.deviceType).toBe('ACS');

    const caps = await client.capabilities();
    expect(caps.maxUsers).toBe(200);
    expect(caps.employeeNoMaxLength).toBe(32);
    expect(caps.userFunctions).toEqual(['post', 'delete', 'put', 'get', 'setUp']);
    expect(caps.supportsUserInfo).toBe(true);
    // Seed 002: only capture + bind by the terminal's own URL.
    expect(caps.faceUpload).toEqual({ captureAndBind: true, binary: false, url: true, maxPictureBytes: 200 * 1024 });
  });

  it('should reuse one digest challenge: one 401 for many calls, nc increasing', async () => {
    const fresh = newClient();
    await fresh.countUsers();
    await fresh.countUsers();
    await fresh.countUsers();
    // 1 challenge fetch + 3 credentialed requests.
    expect(fresh.exchangeCount).toBe(4);
    expect(sim.controls.authStats()).toMatchObject({ successes: 3, totalFailures: 0 });
  });

  it('should create, modify, set up, count, find and delete users', async () => {
    await client.recordUser(user('1001', 'Ana'));
    await client.modifyUser({ employeeNo: '1001', name: 'Ana María' });
    await client.setUpUser(user('1002', 'Ben'));
    await client.setUpUser({ employeeNo: '1002', name: 'Benjamin' });

    expect(await client.countUsers()).toEqual({ userNumber: 2, bindFaceUserNumber: 0 });
    expect(await client.findUser('1001')).toMatchObject({ employeeNo: '1001', name: 'Ana María', numOfFace: 0 });
    expect(await client.findUser('nobody')).toBeNull();

    await client.deleteUsers(['1001']);
    expect(sim.controls.users().map((u) => u.employeeNo)).toEqual(['1002']);
    expect(sim.controls.writeCounts()['1001']).toMatchObject({ record: 1, modify: 1, delete: 1 });
  });

  it('should throw alreadyExists with the §2.2 status for a second Record, and write the user once', async () => {
    await client.recordUser(user('2001'));
    const err = await rejection(client.recordUser(user('2001')));
    expect(err.kind).toBe('alreadyExists');
    expect(err).toMatchObject({
      httpStatus: 400,
      statusCode: 6,
      subStatusCode: 'employeeNoAlreadyExist',
      errorCode: 1610637344,
      errorMsg: 'checkUser',
    });
    expect(err.retryable).toBe(false);
    expect(sim.controls.writeCounts()['2001']?.record).toBe(1);
  });

  it('should throw notFound when modifying a missing user, and treat deleting one as success', async () => {
    expect((await rejection(client.modifyUser(user('ghost')))).kind).toBe('notFound');
    await expect(client.deleteUsers(['ghost'])).resolves.toBeUndefined();
    // The terminal did answer employeeNoNotExist: the success is the client's doing.
    const log = sim.controls.requestLog().filter((r) => r.path === '/ISAPI/AccessControl/UserInfo/Delete');
    expect(log).toMatchObject([{ httpStatus: 400, subStatusCode: 'employeeNoNotExist' }]);
  });

  it('should refuse users beyond the model capacity with kind capacity', async () => {
    const small = await startIsapiSimulator({ username: USER, password: PASSWORD, modelOverrides: { maxUsers: 2 } });
    const c = new IsapiClient({ baseUrl: small.url, username: USER, password: PASSWORD });
    try {
      await c.recordUser(user('1'));
      await c.setUpUser(user('2'));
      const err = await rejection(c.recordUser(user('3')));
      expect(err).toMatchObject({ kind: 'capacity', subStatusCode: 'userExceedLimit' });
      // Updating an existing user is not a new record.
      await c.setUpUser({ employeeNo: '2', name: 'still fits' });
    } finally {
      await c.close();
      await small.close();
    }
  });

  it('should validate employeeNo length and local Valid times (§2.4) as invalidContent', async () => {
    const long = await rejection(client.recordUser(user('x'.repeat(33))));
    expect(long).toMatchObject({ kind: 'invalidContent', subStatusCode: 'badParameters', errorMsg: 'employeeNo' });
    const withOffset = user('3001');
    withOffset.Valid = {
      enable: true,
      beginTime: '2026-01-01T00:00:00+08:00',
      endTime: '2030-01-01T00:00:00',
      timeType: 'local',
    };
    expect(await rejection(client.recordUser(withOffset))).toMatchObject({ errorMsg: 'Valid.beginTime' });
  });

  it('should page through users across several pages, capped at the model page size (§2.6)', async () => {
    const ids = Array.from({ length: 73 }, (_, i) => `E${String(i).padStart(3, '0')}`);
    for (const id of ids) await client.setUpUser(user(id));

    const first = await client.searchUsers({ maxResults: 100 });
    // The terminal returns at most 30 whatever maxResults asks.
    expect(first).toMatchObject({ responseStatusStrg: 'MORE', numOfMatches: 30, totalMatches: 73 });

    const seen: string[] = [];
    for await (const u of client.users({ pageSize: 100 })) seen.push(u.employeeNo);
    expect(seen).toEqual(ids);

    const searches = sim.controls.requestLog().filter((r) => r.path === '/ISAPI/AccessControl/UserInfo/Search');
    // 1 + 3 pages (30 + 30 + 13).
    expect(searches).toHaveLength(4);

    const last = await client.searchUsers({ position: 60, maxResults: 30 });
    expect(last).toMatchObject({ responseStatusStrg: 'OK', numOfMatches: 13 });
    const beyond = await client.searchUsers({ position: 73 });
    expect(beyond).toMatchObject({ responseStatusStrg: 'NO MATCH', numOfMatches: 0, items: [] });
  });

  it('should keep a scan consistent under one searchID while users change (§2.6)', async () => {
    for (const id of ['a1', 'a2', 'a3', 'a4']) await client.setUpUser(user(id));
    const p1 = await client.searchUsers({ searchId: 'scan-1', position: 0, maxResults: 2 });
    await client.deleteUsers(['a1']);
    const p2 = await client.searchUsers({ searchId: 'scan-1', position: 2, maxResults: 2 });
    expect([...p1.items, ...p2.items].map((u) => u.employeeNo)).toEqual(['a1', 'a2', 'a3', 'a4']);
  });

  it('should surface deviceBusy as a retryable busy error, then succeed', async () => {
    sim.controls.busyNext(1);
    const err = await rejection(client.countUsers());
    expect(err).toMatchObject({ kind: 'busy', statusCode: 2, subStatusCode: 'deviceBusy', retryAfterMs: 15_000 });
    expect(err.retryable).toBe(true);
    await expect(client.countUsers()).resolves.toEqual({ userNumber: 0, bindFaceUserNumber: 0 });
  });

  it('should report busy on XML endpoints too', async () => {
    sim.controls.busyNext(1);
    expect((await rejection(client.openDoor(1))).kind).toBe('busy');
  });

  it('should open the door over XML and refuse a door the model does not have', async () => {
    await client.openDoor(1);
    await client.openDoor(1, 'close');
    expect(sim.controls.doorCommands().map((d) => [d.door, d.cmd])).toEqual([
      [1, 'open'],
      [1, 'close'],
    ]);
    expect(await rejection(client.openDoor(2))).toMatchObject({ kind: 'invalidContent', errorMsg: 'doorNo' });
    // XML-only: a JSON body is refused (§2.1).
    const json = await rejection(
      client.invoke('PUT', '/ISAPI/AccessControl/RemoteControl/door/1', {
        body: '{"RemoteControlDoor":{"cmd":"open"}}',
        contentType: 'application/json',
      }),
    );
    expect(json.subStatusCode).toBe('badXmlContent');
  });

  it('should answer 405 for the wrong method and notSupported for unknown paths', async () => {
    const post = await rejection(
      client.invoke('POST', '/ISAPI/AccessControl/UserInfo/Modify?format=json', { body: '{}' }),
    );
    expect(post).toMatchObject({ kind: 'methodNotAllowed', httpStatus: 405 });
    expect((await rejection(client.invoke('GET', '/ISAPI/System/status'))).kind).toBe('notSupported');
  });
});

describe("the terminal's clock and zone (/ISAPI/System/time, §2.1, §2.4)", () => {
  afterEach(() => sim.controls.setUtcOffsetMinutes(0));

  it('should read the UTC offset from localTime, for zones west and east of UTC and a half-hour one', async () => {
    for (const minutes of [-300, 540, 330, 0]) {
      sim.controls.setUtcOffsetMinutes(minutes);
      const t = await client.systemTime();
      expect(t.utcOffsetMinutes, String(minutes)).toBe(minutes);
      expect(t.localTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    }
  });

  it('should report the zone POSIX-style, the sign inverted (CST+5:00:00 is UTC−5), as terminals do', async () => {
    sim.controls.setUtcOffsetMinutes(-300);
    expect((await client.systemTime()).timeZone).toBe('CST+5:00:00');
    sim.controls.setUtcOffsetMinutes(540);
    expect((await client.systemTime()).timeZone).toBe('CST-9:00:00');
  });

  it("should let a user pass only inside their Valid window read as the terminal's wall clock", async () => {
    sim.controls.setUtcOffsetMinutes(-300);
    await client.recordUser({
      ...user('7001'),
      Valid: { enable: true, beginTime: '2026-12-01T00:00:00', endTime: '2026-12-31T23:59:59', timeType: 'local' },
    });
    try {
      // 00:00 at UTC−5 is 05:00 UTC.
      expect(sim.controls.accessDecision('7001', new Date('2026-12-01T04:59:59Z'))).toMatchObject({
        allowed: false,
        reason: 'notYetValid',
      });
      expect(sim.controls.accessDecision('7001', new Date('2026-12-01T05:00:00Z'))).toMatchObject({
        allowed: true,
        validFrom: '2026-12-01T05:00:00.000Z',
      });
      expect(sim.controls.accessDecision('7001', new Date('2027-01-01T05:00:00Z'))).toMatchObject({
        allowed: false,
        reason: 'expired',
      });
      expect(sim.controls.accessDecision('nobody')).toMatchObject({ allowed: false, reason: 'unknownUser' });
    } finally {
      await client.deleteUsers(['7001']);
    }
  });
});

describe('AcsEvent (§2.3, §2.7)', () => {
  const events = [
    { major: 5, minor: 75, time: '2026-06-02T23:59:59-06:00', employeeNoString: 'before' },
    { major: 5, minor: 75, time: '2026-06-03T08:00:00-06:00', employeeNoString: 'e1' },
    { major: 5, minor: 1, time: '2026-06-03T08:05:00-06:00', employeeNoString: 'e2', cardNo: '123' },
    { major: 5, minor: 75, time: '2026-06-03T17:30:00-06:00', employeeNoString: 'e3', currentVerifyMode: 'face' },
    { major: 3, minor: 1024, time: '2026-06-03T09:00:00-06:00' },
  ];

  it('should write times without milliseconds and with the terminal offset, and filter by them', async () => {
    sim.controls.addEvents(events);
    const page = await client.searchEvents({
      startTime: new Date('2026-06-03T06:00:00.812Z'), // 00:00:00.812 at -06:00
      endTime: new Date('2026-06-04T05:59:59.999Z'),
      major: 5,
      minor: 75,
    });
    expect(page.items.map((e) => e.employeeNoString)).toEqual(['e1', 'e3']);
    expect(page).toMatchObject({ totalMatches: 2, responseStatusStrg: 'OK' });
  });

  it('should be refused by the terminal when a time carries milliseconds or Z (the §2.7 failure)', async () => {
    const err = await rejection(client.searchEvents({ startTime: '2026-04-25T04:20:09.812Z' }));
    expect(err).toMatchObject({ kind: 'invalidContent', subStatusCode: 'badJsonContent', errorMsg: 'startTime' });
  });

  it('should iterate all events across pages', async () => {
    const many = Array.from({ length: 65 }, (_, i) => ({
      major: 5,
      minor: 75,
      time: `2026-06-03T10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}-06:00`,
      employeeNoString: `p${i}`,
    }));
    sim.controls.addEvents(many);
    const seen: string[] = [];
    for await (const e of client.events({ major: 5, minor: 0, pageSize: 30 })) seen.push(String(e.employeeNoString));
    expect(seen).toEqual(many.map((e) => e.employeeNoString));
  });
});

describe('authentication and the login lockout (§2.1)', () => {
  it('should throw IsapiAuthError after exactly 2 credentialed attempts, below the lockout threshold', async () => {
    const wrong = newClient({ password: 'not-the-password' });
    const err = await rejection(wrong.countUsers());
    expect(err).toBeInstanceOf(IsapiAuthError);
    expect((err as IsapiAuthError).attempts).toBe(2);
    expect(err.retryable).toBe(false);
    expect(err.message).not.toContain('not-the-password');
    const stats = sim.controls.authStats();
    expect(stats.totalFailures).toBe(2);
    expect(stats.consecutiveFailures).toBeLessThan(5);
    expect(stats.lockouts).toBe(0);
  });

  it('should stop after the failure: later calls do not reach the terminal', async () => {
    const wrong = newClient({ password: 'still-wrong' });
    await rejection(wrong.countUsers());
    const exchanges = wrong.exchangeCount;
    for (let i = 0; i < 5; i += 1) expect(await rejection(wrong.countUsers())).toBeInstanceOf(IsapiAuthError);
    expect(wrong.exchangeCount).toBe(exchanges);
    expect(sim.controls.authStats()).toMatchObject({ totalFailures: 2, lockouts: 0 });
  });

  it('should report the lockout and leave even the right password refused until it ends', async () => {
    const wrong = newClient({ password: 'guess' });
    // Somebody else (a caller clearing the latch each time) hammers the terminal into its lockout.
    for (let i = 0; i < 3; i += 1) {
      await rejection(wrong.countUsers());
      wrong.clearAuthFailure();
    }
    expect(sim.controls.authStats().lockouts).toBe(1);
    const right = newClient();
    const err = await rejection(right.countUsers());
    expect(err).toBeInstanceOf(IsapiAuthError);
    expect((err as IsapiAuthError).locked).toBe(true);
    expect((err as IsapiAuthError).unlockInSeconds).toBeGreaterThan(60);
    sim.controls.unlock();
    right.clearAuthFailure();
    await expect(right.countUsers()).resolves.toMatchObject({ userNumber: 0 });
  });

  it('should re-challenge once on stale=TRUE without counting a bad login', async () => {
    const shortNonce = await startIsapiSimulator({ username: USER, password: PASSWORD, nonceTtlMs: 50 });
    const c = new IsapiClient({ baseUrl: shortNonce.url, username: USER, password: PASSWORD });
    try {
      await c.countUsers();
      await new Promise((r) => setTimeout(r, 80));
      await c.countUsers();
      // probe + ok, then stale 401 + ok with the new nonce.
      expect(c.exchangeCount).toBe(4);
      expect(shortNonce.controls.authStats()).toMatchObject({ totalFailures: 0, successes: 2, challenges: 2 });
    } finally {
      await c.close();
      await shortNonce.close();
    }
  });
});

describe('one request in flight per terminal (§2.1)', () => {
  it('should serialise 10 concurrent calls: the terminal never sees two at once', async () => {
    sim.controls.setLatencyMs(15);
    // A fresh client: its queue must also hold back the other 9 until the first has fetched the challenge.
    const fresh = newClient();
    const started = Date.now();
    await Promise.all(Array.from({ length: 10 }, () => fresh.countUsers()));
    expect(sim.controls.maxConcurrent()).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(10 * 15);
    expect(sim.controls.authStats()).toMatchObject({ challenges: 1, successes: 10, totalFailures: 0 });
    expect(fresh.exchangeCount).toBe(11);
  });

  it('should be measurable: two clients (two terminals worth of queues) do overlap (control)', async () => {
    sim.controls.setLatencyMs(30);
    const other = newClient();
    await other.countUsers(); // challenge out of the way
    await Promise.all([client.countUsers(), other.countUsers(), client.countUsers(), other.countUsers()]);
    expect(sim.controls.maxConcurrent()).toBe(2);
  });

  it('should keep the queue going after a failed call', async () => {
    sim.controls.busyNext(1);
    const results = await Promise.allSettled([client.countUsers(), client.countUsers(), client.countUsers()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  });
});

describe('capture then bind (seed 002)', () => {
  it('should capture after the configured delay, fetch the picture, and bind it by its terminal URL', async () => {
    sim.controls.setCaptureDelay(250);
    const captured = await client.captureFace({ timeoutMs: 5000, pollIntervalMs: 50 });
    // Seed 002 step 2.5: https://192.168.1.67/LOCALS/pic/web_face_enrollpic.jpg@WEB000000000020 style.
    expect(captured.faceDataUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/LOCALS\/pic\/web_face_enrollpic\.jpg@WEB\d{12}$/);
    expect(captured.captureProgress).toBe(100);

    const jpeg = await client.fetchPicture(captured.faceDataUrl);
    const meta = await sharp(jpeg).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.height).toBeGreaterThan(meta.width ?? Infinity);

    await client.recordUser(user('100222', 'Иван Иванов'));
    await client.bindFaceUrl('100222', captured.faceDataUrl);
    expect(sim.controls.faces()).toMatchObject([{ FPID: '100222', source: 'terminalFile', bytes: jpeg.length }]);
    expect(await client.countUsers()).toEqual({ userNumber: 1, bindFaceUserNumber: 1 });

    // Binding again replaces (FDSetUp is add-or-replace).
    await client.bindFaceUrl('100222', captured.faceDataUrl);
    expect(sim.controls.writeCounts()['100222']).toMatchObject({ record: 1, faceWrite: 2 });
  });

  it('should capture the picture presented by a test trigger, byte for byte', async () => {
    const face = await sharp({ create: { width: 300, height: 400, channels: 3, background: '#c89070' } })
      .jpeg()
      .toBuffer();
    const pending = client.captureFace({ timeoutMs: 5000, pollIntervalMs: 20 });
    await vi.waitFor(() => expect(sim.controls.isCapturing()).toBe(true), { timeout: 2000, interval: 10 });
    expect(await sim.controls.presentFace(face)).toBe(true);
    const captured = await pending;
    expect(Buffer.compare(await client.fetchPicture(captured.faceDataUrl), face)).toBe(0);
    // Nobody is capturing any more: a face shown now is ignored.
    expect(await sim.controls.presentFace(face)).toBe(false);
  });

  it('should time out with noFaceCaptured when nobody shows a face', async () => {
    const started = Date.now();
    const err = await rejection(client.captureFace({ timeoutMs: 600, pollIntervalMs: 50 }));
    expect(err.kind).toBe('noFaceCaptured');
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(Date.now() - started).toBeLessThan(2000);
    // It did poll: several POSTs reached the terminal.
    const posts = sim.controls.requestLog().filter((r) => r.path === '/ISAPI/AccessControl/CaptureFaceData');
    expect(posts.length).toBeGreaterThanOrEqual(2);
  });

  it('should never re-POST sooner than the poll interval, even when the deadline comes before the next one', async () => {
    // 150 ms answers, 400 ms apart: POSTs at ~0 and ~550 ms; a third at ~1100 ms would pass the 1000 ms deadline, so
    // none is sent early to squeeze it in.
    const err = await rejection(client.captureFace({ timeoutMs: 1000, pollIntervalMs: 400 }));
    expect(err.kind).toBe('noFaceCaptured');
    const posts = sim.controls.requestLog().filter((r) => r.path === '/ISAPI/AccessControl/CaptureFaceData');
    expect(posts.length).toBeGreaterThanOrEqual(2);
    for (const [prev, next] of posts.slice(1).map((q, i) => [posts[i]!, q] as const)) {
      expect(next.at - (prev.at + prev.durationMs!)).toBeGreaterThanOrEqual(400 - 2);
    }
  });

  it('should stop on abort, with the signal reason, while a POST is held', async () => {
    sim.controls.setCaptureHoldMs(2000);
    const controller = new AbortController();
    const pending = client.captureFace({ timeoutMs: 10_000, pollIntervalMs: 50, signal: controller.signal });
    await vi.waitFor(() => expect(sim.controls.isCapturing()).toBe(true), { timeout: 2000, interval: 10 });
    const started = Date.now();
    controller.abort(new Error('operator cancelled'));
    await expect(pending).rejects.toThrow('operator cancelled');
    expect(Date.now() - started).toBeLessThan(500);
    sim.controls.setCaptureHoldMs(150);
    // The terminal stays usable afterwards.
    await expect(client.countUsers()).resolves.toMatchObject({ userNumber: 0 });
  });

  it('should refuse binding a /LOCALS/ file the terminal does not have with urlDownloadFail', async () => {
    await client.recordUser(user('5001'));
    const err = await rejection(
      client.bindFaceUrl('5001', `${sim.url}/LOCALS/pic/web_face_enrollpic.jpg@WEB000000000999`),
    );
    expect(err.kind).toBe('urlDownloadFail');
    expect((await rejection(client.fetchPicture(`${sim.url}/LOCALS/pic/none.jpg`))).kind).toBe('notFound');
  });
});

describe('the four upload methods that fail on the seed 002 terminal', () => {
  let face: Buffer;
  beforeAll(async () => {
    face = await sharp({ create: { width: 320, height: 400, channels: 3, background: '#a07060' } })
      .jpeg()
      .toBuffer();
  });
  beforeEach(async () => {
    await client.recordUser(user('100222'));
  });

  it('pictureUpload → notSupport', async () => {
    const { body, contentType } = buildMultipart([
      {
        name: 'FaceDataRecord',
        contentType: 'application/json',
        data: '{"faceLibType":"blackFD","FDID":"1","FPID":"100222"}',
      },
      { name: 'FaceImage', filename: 'face.jpg', contentType: 'image/jpeg', data: face },
    ]);
    const err = await rejection(
      client.invoke('POST', '/ISAPI/Intelligent/FDLib/pictureUpload?format=json', { body, contentType }),
    );
    expect(err).toMatchObject({ kind: 'notSupported', subStatusCode: 'notSupport' });
  });

  it('FaceDataRecord with an external URL → urlDownloadFail', async () => {
    const err = await rejection(client.addFaceByUrl('100222', 'http://files.example.test/100222.jpg'));
    expect(err).toMatchObject({ kind: 'urlDownloadFail', subStatusCode: 'urlDownloadFail' });
  });

  it('FaceDataRecord with base64 → badJsonContent', async () => {
    const err = await rejection(
      client.invoke('POST', '/ISAPI/Intelligent/FDLib/FaceDataRecord?format=json', {
        body: JSON.stringify({ faceLibType: 'blackFD', FDID: '1', FPID: '100222', faceData: face.toString('base64') }),
        contentType: 'application/json',
      }),
    );
    expect(err).toMatchObject({ kind: 'invalidContent', subStatusCode: 'badJsonContent' });
  });

  it('PUT into /LOCALS/ → 405 Method Not Allowed', async () => {
    const err = await rejection(
      client.invoke('PUT', '/LOCALS/pic/enrlFace/0/100222.jpg', { body: face, contentType: 'image/jpeg' }),
    );
    expect(err).toMatchObject({ kind: 'methodNotAllowed', httpStatus: 405 });
  });

  it('and the multipart FaceDataRecord upload too (seed 002 "Удаленные" #2) — nothing stored', async () => {
    const err = await rejection(client.uploadFace('100222', face));
    expect(err).toMatchObject({ kind: 'invalidContent', subStatusCode: 'badJsonContent' });
    expect(sim.controls.faces()).toEqual([]);
  });
});
