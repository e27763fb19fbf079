import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { deriveCapabilities, type TerminalCapabilities } from '../protocol/capabilities';
import { IsapiError, classifyIsapiAnswer } from './errors';
import { buildMultipart, buildXml, extractResponseStatus, parseJson, parseXml } from '../protocol/isapi-body';
import { offsetOfIsapiTime, offsetOfPosixZone, toIsapiTime } from '../protocol/isapi-time';
import { IsapiTransport, pathOnly, type HttpMethod, type IsapiTransportOptions, type RawAnswer } from './transport';
import {
  TERMINAL_FACE_LIBRARY,
  type AcsEventInfo,
  type DeviceInfo,
  type DoorCommand,
  type FaceMatch,
  type SearchPage,
  type SearchStatus,
  type TerminalTime,
  type UserInfo,
  type UserInfoCount,
} from '../protocol/types';

export type { TerminalCapabilities } from '../protocol/capabilities';

export interface IsapiClientOptions extends IsapiTransportOptions {
  /**
   * The terminal's UTC offset in minutes (e.g. -360), used to write AcsEvent times with an explicit offset (§2.7).
   * Defaults to this host's current offset.
   */
  utcOffsetMinutes?: number;
}

export interface PageRequest {
  /** 0-based offset (§2.6). */
  position?: number;
  /** Clients use 30; the terminal may return fewer (§2.6). */
  maxResults?: number;
  /** Defaults to a fresh id: a scan never shares a device search session (§2.6). */
  searchId?: string;
}

export interface CaptureFaceOptions {
  /** Whole capture budget, default 30 000 (seed 002: the person presents the face within 5–10 s). */
  timeoutMs?: number;
  /** Pause between re-POSTs while no face is there yet, default 3 000 (§2.3: re-POST after 2–5 s). */
  pollIntervalMs?: number;
  signal?: AbortSignal;
  /** `captureInfrared` of CaptureFaceDataCond, default false (§2.3). */
  captureInfrared?: boolean;
}

export interface CapturedFace {
  /** The picture's URL on the terminal, e.g. `https://192.168.1.67/LOCALS/pic/web_face_enrollpic.jpg@WEB000000000020` (seed 002). */
  faceDataUrl: string;
  captureProgress: number;
}

export interface AcsEventQuery extends PageRequest {
  /** Date (formatted with the terminal's offset, no milliseconds) or a string already in that form (§2.7). */
  startTime?: Date | string;
  endTime?: Date | string;
  /** 5 = event; 0 = all (§2.3). */
  major?: number;
  /** e.g. 75 face verified; 0 = all (§2.3). */
  minor?: number;
}

export interface InvokeOptions {
  body?: Buffer | string;
  contentType?: string;
  /** The request carries a face picture: lets a refusal be classified `faceRejected`. */
  carriesFace?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

type Json = Record<string, unknown>;

const JSON_TYPE = 'application/json';
const XML_TYPE = 'application/xml';
const DEFAULT_PAGE = 30;

const asRecord = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const asArray = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : v === undefined || v === null ? [] : [v as T]);
const withJson = (path: string) =>
  path.includes('format=json') ? path : `${path}${path.includes('?') ? '&' : '?'}format=json`;

function page<T>(o: Json, items: unknown, fallbackSearchId: string): SearchPage<T> {
  return {
    searchID: typeof o.searchID === 'string' ? o.searchID : fallbackSearchId,
    responseStatusStrg: (typeof o.responseStatusStrg === 'string' ? o.responseStatusStrg : 'OK') as SearchStatus,
    numOfMatches: Number(o.numOfMatches ?? 0),
    totalMatches: Number(o.totalMatches ?? 0),
    items: asArray<T>(items),
  };
}

/**
 * ISAPI on one access-control terminal (reference hikvision.md §2): Digest auth, one request in flight, JSON and
 * XML endpoints, ResponseStatus turned into typed errors (errors.ts). The terminal's own rules — the seed-002
 * capture-then-bind flow, employeeNo uniqueness — are the caller's to combine; this class only speaks the wire.
 */
export class IsapiClient {
  private readonly transport: IsapiTransport;
  private readonly utcOffsetMinutes: number;

  constructor(options: IsapiClientOptions) {
    this.transport = new IsapiTransport(options);
    this.utcOffsetMinutes = options.utcOffsetMinutes ?? -new Date().getTimezoneOffset();
  }

  /** HTTP exchanges so far (incl. digest challenges). */
  get exchangeCount(): number {
    return this.transport.exchangeCount;
  }

  /** Lets calls through again after an IsapiAuthError (e.g. after the password was corrected on the terminal). */
  clearAuthFailure(): void {
    this.transport.clearAuthFailure();
  }

  /** Settles once every call sent so far has finished, answered or not. */
  idle(): Promise<void> {
    return this.transport.idle();
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  // ---- System ----------------------------------------------------------------------------------------------

  /** XML: some MinMoe firmwares ignore `format=json` here (§2.1), so the client never asks for JSON. */
  async deviceInfo(): Promise<DeviceInfo> {
    const xml = await this.xml('GET', '/ISAPI/System/deviceInfo');
    return asRecord(xml.DeviceInfo) as DeviceInfo;
  }

  /**
   * The terminal's clock and zone, `/ISAPI/System/time` (XML only, §2.1). The offset is read from `localTime`, which
   * carries it (`2026-12-02T01:02:03-05:00`); only without one from `timeZone`, whose POSIX-style sign is inverted
   * (`CST+5:00:00` is UTC−5) and which may hide a daylight-saving rule.
   */
  async systemTime(): Promise<TerminalTime> {
    const xml = await this.xml('GET', '/ISAPI/System/time');
    const t = asRecord(xml.Time);
    const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
    const localTime = text(t.localTime);
    const timeZone = text(t.timeZone);
    const fromLocalTime = localTime === undefined ? null : offsetOfIsapiTime(localTime);
    return {
      timeMode: text(t.timeMode),
      localTime,
      timeZone,
      utcOffsetMinutes: fromLocalTime ?? (timeZone === undefined ? null : offsetOfPosixZone(timeZone)),
    };
  }

  /**
   * AccessControl, UserInfo and FDLib capabilities (§2.3) and what follows from them; a part the model lacks
   * (`notSupport`/404) is `null`.
   */
  async capabilities(): Promise<TerminalCapabilities> {
    const optional = async (path: string) => {
      try {
        return await this.json('GET', path);
      } catch (err) {
        if (err instanceof IsapiError && err.kind === 'notSupported') return null;
        throw err;
      }
    };
    const accessControl = await optional('/ISAPI/AccessControl/capabilities');
    const userInfo = await optional('/ISAPI/AccessControl/UserInfo/capabilities');
    const fdLib = await optional('/ISAPI/Intelligent/FDLib/capabilities');
    return deriveCapabilities(accessControl, userInfo, fdLib);
  }

  // ---- UserInfo (§2.3, §2.4) -------------------------------------------------------------------------------

  /** Create; an existing employeeNo throws kind `alreadyExists` for the caller to reconcile (§2.7). */
  async recordUser(user: UserInfo): Promise<void> {
    await this.json('POST', '/ISAPI/AccessControl/UserInfo/Record', { UserInfo: user });
  }

  /** Update an existing user; a missing one throws kind `notFound`. */
  async modifyUser(user: UserInfo): Promise<void> {
    await this.json('PUT', '/ISAPI/AccessControl/UserInfo/Modify', { UserInfo: user });
  }

  /** Create-or-update (§2.3). */
  async setUpUser(user: UserInfo): Promise<void> {
    await this.json('PUT', '/ISAPI/AccessControl/UserInfo/SetUp', { UserInfo: user });
  }

  /** Idempotent: `employeeNoNotExist` counts as deleted (§2.7), so a retried delete cannot fail on it. */
  async deleteUsers(employeeNos: string[]): Promise<void> {
    if (employeeNos.length === 0) return;
    const body = { UserInfoDelCond: { EmployeeNoList: employeeNos.map((employeeNo) => ({ employeeNo })) } };
    try {
      await this.json('PUT', '/ISAPI/AccessControl/UserInfo/Delete', body);
    } catch (err) {
      if (err instanceof IsapiError && err.kind === 'notFound') return;
      throw err;
    }
  }

  async searchUsers(req: PageRequest & { employeeNos?: string[] } = {}): Promise<SearchPage<UserInfo>> {
    const searchID = req.searchId ?? randomUUID();
    const cond: Json = {
      searchID,
      searchResultPosition: req.position ?? 0,
      maxResults: req.maxResults ?? DEFAULT_PAGE,
    };
    if (req.employeeNos !== undefined) cond.EmployeeNoList = req.employeeNos.map((employeeNo) => ({ employeeNo }));
    const answer = await this.json('POST', '/ISAPI/AccessControl/UserInfo/Search', { UserInfoSearchCond: cond });
    const o = asRecord(answer.UserInfoSearch);
    return page<UserInfo>(o, o.UserInfo, searchID);
  }

  /** Every user, page by page under one fresh searchID (§2.6). */
  users(req: { pageSize?: number; employeeNos?: string[] } = {}): AsyncIterable<UserInfo> {
    return this.pages((position, searchId) =>
      this.searchUsers({ position, searchId, maxResults: req.pageSize, employeeNos: req.employeeNos }),
    );
  }

  /** Read-before-write helper (STYLE 9): the user or `null`. */
  async findUser(employeeNo: string): Promise<UserInfo | null> {
    const found = await this.searchUsers({ employeeNos: [employeeNo], maxResults: 1 });
    return found.items.find((u) => u.employeeNo === employeeNo) ?? null;
  }

  async countUsers(): Promise<UserInfoCount> {
    const answer = await this.json('GET', '/ISAPI/AccessControl/UserInfo/Count');
    const o = asRecord(answer.UserInfoCount);
    return {
      userNumber: Number(o.userNumber ?? 0),
      ...(o.bindFaceUserNumber !== undefined && { bindFaceUserNumber: Number(o.bindFaceUserNumber) }),
    };
  }

  // ---- Faces (§2.3, §2.5, seed 002) ------------------------------------------------------------------------

  /**
   * Seed 002 step 2: the terminal waits for a face; a POST answers progress 0 until one is there (requests may block
   * up to ~20 s), then progress 100 and the picture's terminal URL (§2.3). Re-POSTs until then, the timeout
   * (kind `noFaceCaptured`) or the signal (rejects with its reason).
   */
  async captureFace(opts: CaptureFaceOptions = {}): Promise<CapturedFace> {
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    const pollMs = opts.pollIntervalMs ?? 3_000;
    const body = buildXml('CaptureFaceDataCond', {
      captureInfrared: opts.captureInfrared ?? false,
      dataType: 'url',
    });
    const path = '/ISAPI/AccessControl/CaptureFaceData';
    const noFace = () => new IsapiError('noFaceCaptured', { path, message: 'no face was presented in time' });

    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw noFace();
      let xml: Json;
      try {
        xml = await this.xml('POST', path, body, { signal: opts.signal, timeoutMs: remaining });
      } catch (err) {
        // The terminal holding the request past our budget is "no face", not a broken terminal.
        if (err instanceof IsapiError && err.transport === 'timeout' && Date.now() >= deadline - 5) throw noFace();
        throw err;
      }
      // The root element's name varies between documents (§2.3), so read the first root's fields.
      const root = asRecord(Object.values(xml).find((v) => typeof v === 'object' && v !== null));
      const progress = Number(root.captureProgress ?? 0);
      const url = typeof root.faceDataUrl === 'string' ? root.faceDataUrl : '';
      if (url !== '' && (progress >= 100 || root.captureProgress === undefined)) {
        return { faceDataUrl: url, captureProgress: progress };
      }
      // Never re-POST sooner than the configured spacing (§2.3 gives 2–5 s): when the next POST would fall past the
      // deadline, nobody can be seen in time, so stop now rather than squeezing in an early one.
      if (Date.now() + pollMs >= deadline) throw noFace();
      await sleep(pollMs, undefined, { signal: opts.signal });
    }
  }

  /**
   * The bytes of a picture stored on the terminal, by the URL it reported (`faceDataUrl`, a FDSearch `faceURL`).
   * The URL's host is the terminal's own idea of its address, so only path and query are used, against baseUrl.
   */
  async fetchPicture(terminalUrl: string, signal?: AbortSignal): Promise<Buffer> {
    const url = new URL(terminalUrl, 'http://terminal');
    const path = `${url.pathname}${url.search}`;
    const answer = await this.transport.send({ method: 'GET', path, signal });
    if (answer.status === 404) {
      throw new IsapiError('notFound', { path, httpStatus: 404, message: 'no such picture on the terminal' });
    }
    const isJpeg = answer.body.length > 3 && answer.body[0] === 0xff && answer.body[1] === 0xd8;
    if (answer.status === 200 && isJpeg) return answer.body;
    throw (
      this.classify(path, answer) ??
      new IsapiError('permanent', { path, httpStatus: answer.status, message: 'answer is not a JPEG' })
    );
  }

  /**
   * Seed 002 step 3: bind a picture the terminal already holds (its `faceDataUrl`) to `employeeNo` — FDSetUp with
   * one multipart part named FaceDataRecord, exactly as the seed's working request. Adds or replaces the face.
   */
  async bindFaceUrl(employeeNo: string, faceUrl: string): Promise<void> {
    const record = { ...TERMINAL_FACE_LIBRARY, FPID: employeeNo, faceURL: faceUrl };
    const { body, contentType } = buildMultipart([{ name: 'FaceDataRecord', data: JSON.stringify(record) }]);
    await this.json('PUT', '/ISAPI/Intelligent/FDLib/FDSetUp', body, { contentType });
  }

  /**
   * FaceDataRecord multipart upload of a JPEG (§2.5 layout: JSON part `FaceDataRecord`, image part `FaceImage`,
   * filename face.jpg). The user must exist; a face already bound throws `alreadyExists` (use `replaceFace`).
   * Not available on seed 002's terminal: there it answers `badJsonContent` — use capture + `bindFaceUrl`.
   */
  async uploadFace(employeeNo: string, jpeg: Buffer): Promise<void> {
    await this.faceMultipart('POST', '/ISAPI/Intelligent/FDLib/FaceDataRecord', employeeNo, jpeg);
  }

  /** FDSetUp with the picture itself: add-or-replace (§2.3), on terminals that accept uploads. */
  async replaceFace(employeeNo: string, jpeg: Buffer): Promise<void> {
    await this.faceMultipart('PUT', '/ISAPI/Intelligent/FDLib/FDSetUp', employeeNo, jpeg);
  }

  /**
   * FaceDataRecord by URL: the terminal downloads `url` itself, so it must be reachable from the terminal's LAN;
   * otherwise kind `urlDownloadFail` (§2.5, seed 002).
   */
  async addFaceByUrl(employeeNo: string, url: string): Promise<void> {
    await this.json('POST', '/ISAPI/Intelligent/FDLib/FaceDataRecord', {
      ...TERMINAL_FACE_LIBRARY,
      FPID: employeeNo,
      faceURL: url,
    });
  }

  async searchFaces(req: PageRequest & { fpid?: string } = {}): Promise<SearchPage<FaceMatch>> {
    const fallbackId = req.searchId ?? randomUUID();
    const answer = await this.json('POST', '/ISAPI/Intelligent/FDLib/FDSearch', {
      searchResultPosition: req.position ?? 0,
      maxResults: req.maxResults ?? DEFAULT_PAGE,
      ...TERMINAL_FACE_LIBRARY,
      ...(req.fpid !== undefined && { FPID: req.fpid }),
    });
    return page<FaceMatch>(answer, answer.MatchList, fallbackId);
  }

  faces(req: { pageSize?: number } = {}): AsyncIterable<FaceMatch> {
    return this.pages((position, searchId) => this.searchFaces({ position, searchId, maxResults: req.pageSize }));
  }

  /** Removes the faces bound to these FPIDs (= employeeNos); absent ones are not an error. */
  async deleteFaces(fpids: string[]): Promise<void> {
    if (fpids.length === 0) return;
    const { faceLibType, FDID } = TERMINAL_FACE_LIBRARY;
    const body = { FPID: fpids.map((value) => ({ value })) };
    try {
      const path = `/ISAPI/Intelligent/FDLib/FDSearch/Delete?format=json&FDID=${FDID}&faceLibType=${faceLibType}`;
      await this.json('PUT', path, body);
    } catch (err) {
      if (err instanceof IsapiError && err.kind === 'notFound') return;
      throw err;
    }
  }

  // ---- Door and events -------------------------------------------------------------------------------------

  /** XML-only endpoint (§2.1): `<RemoteControlDoor><cmd>open</cmd></RemoteControlDoor>`. */
  async openDoor(doorNo = 1, cmd: DoorCommand = 'open'): Promise<void> {
    if (!Number.isInteger(doorNo) || doorNo < 1) throw new RangeError(`bad door number ${doorNo}`);
    await this.xml('PUT', `/ISAPI/AccessControl/RemoteControl/door/${doorNo}`, buildXml('RemoteControlDoor', { cmd }));
  }

  async searchEvents(query: AcsEventQuery = {}): Promise<SearchPage<AcsEventInfo>> {
    const searchID = query.searchId ?? randomUUID();
    const time = (t: Date | string) => (typeof t === 'string' ? t : toIsapiTime(t, this.utcOffsetMinutes));
    const cond: Json = {
      searchID,
      searchResultPosition: query.position ?? 0,
      maxResults: query.maxResults ?? DEFAULT_PAGE,
      major: query.major ?? 5,
      minor: query.minor ?? 0,
    };
    if (query.startTime !== undefined) cond.startTime = time(query.startTime);
    if (query.endTime !== undefined) cond.endTime = time(query.endTime);
    const answer = await this.json('POST', '/ISAPI/AccessControl/AcsEvent', { AcsEventCond: cond });
    // Events are under AcsEvent.InfoList, not AcsEventList (§2.7).
    const o = asRecord(answer.AcsEvent);
    return page<AcsEventInfo>(o, o.InfoList, searchID);
  }

  events(
    query: Omit<AcsEventQuery, 'position' | 'searchId'> & { pageSize?: number } = {},
  ): AsyncIterable<AcsEventInfo> {
    return this.pages((position, searchId) =>
      this.searchEvents({ ...query, position, searchId, maxResults: query.pageSize ?? query.maxResults }),
    );
  }

  // ---- Wire ------------------------------------------------------------------------------------------------

  /**
   * Any ISAPI call, for probing a terminal's behaviour (conformance checks): answers are classified like every
   * other call — an error throws the typed IsapiError, a success returns the parsed body (JSON, XML or bytes).
   */
  async invoke(method: HttpMethod, path: string, opts: InvokeOptions = {}): Promise<unknown> {
    const answer = await this.transport.send({ method, path, ...opts });
    const error = this.classify(path, answer, opts.carriesFace);
    if (error !== null) throw error;
    return parseJson(answer.body) ?? parseXml(answer.body) ?? answer.body;
  }

  private async json(method: HttpMethod, path: string, body?: unknown, opts: InvokeOptions = {}): Promise<Json> {
    const raw = body === undefined || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const answer = await this.transport.send({
      method,
      path: withJson(path),
      body: raw,
      contentType: raw === undefined ? undefined : (opts.contentType ?? JSON_TYPE),
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    });
    const error = this.classify(path, answer, opts.carriesFace);
    if (error !== null) throw error;
    return asRecord(parseJson(answer.body));
  }

  private async xml(method: HttpMethod, path: string, body?: string, opts: InvokeOptions = {}): Promise<Json> {
    const answer = await this.transport.send({
      method,
      path,
      body,
      contentType: body === undefined ? undefined : XML_TYPE,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    });
    const error = this.classify(path, answer);
    if (error !== null) throw error;
    return parseXml(answer.body) ?? {};
  }

  private async faceMultipart(method: HttpMethod, path: string, employeeNo: string, jpeg: Buffer): Promise<void> {
    const { body, contentType } = buildMultipart([
      {
        name: 'FaceDataRecord',
        contentType: JSON_TYPE,
        data: JSON.stringify({ ...TERMINAL_FACE_LIBRARY, FPID: employeeNo }),
      },
      { name: 'FaceImage', filename: 'face.jpg', contentType: 'image/jpeg', data: jpeg },
    ]);
    await this.json(method, path, body, { contentType, carriesFace: true });
  }

  private classify(path: string, answer: RawAnswer, carriesFace = false): IsapiError | null {
    return classifyIsapiAnswer({
      path: pathOnly(path),
      httpStatus: answer.status,
      status: extractResponseStatus(answer.body),
      carriesFace,
    });
  }

  /** Pages until `numOfMatches` is 0 or the offset reaches `totalMatches` (§2.6). */
  private pages<T>(fetchPage: (position: number, searchId: string) => Promise<SearchPage<T>>): AsyncIterable<T> {
    return {
      [Symbol.asyncIterator]: async function* () {
        const searchId = randomUUID();
        let position = 0;
        for (;;) {
          const p = await fetchPage(position, searchId);
          yield* p.items;
          position += p.numOfMatches;
          if (p.numOfMatches === 0 || position >= p.totalMatches || p.responseStatusStrg === 'NO MATCH') return;
        }
      },
    };
  }
}
