import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import type { CaptureStation } from './capture';
import type { TerminalModelProfile } from './models';
import { multipartBoundary, parseMultipart, type FormPart } from './multipart';
import type { SimRequestRecord, SimulatorState } from './state';
import { posixZoneOf, toIsapiTime } from '../protocol/isapi-time';

/**
 * The ISAPI surface of one access terminal, written from reference hikvision.md §2 and seed 002. Each rule cites
 * its source; where the reference is silent the choice is marked "[sim]".
 */

type Json = Record<string, unknown>;

export interface SimAnswer {
  status: number;
  contentType: string;
  body: Buffer | string;
  headers?: Record<string, string>;
}

export interface RouteContext {
  method: string;
  pathname: string;
  query: URLSearchParams;
  contentType: string | undefined;
  body: Buffer;
  state: SimulatorState;
  profile: TerminalModelProfile;
  capture: CaptureStation;
  /** `https://host:port` as the terminal names itself in URLs it hands out (seed 002 `faceDataUrl`). */
  publicUrl: string;
  record: SimRequestRecord;
  /** Aborted when the client goes away or the server closes. */
  signal: AbortSignal;
  /** The terminal fetching a URL itself (§2.5 URL mode); `undefined` when unreachable. */
  download: (url: string) => Promise<Buffer | undefined>;
  /** The terminal's clock: its UTC offset in minutes (the zone it is set to). */
  utcOffsetMinutes: number;
}

const XMLNS = 'http://www.isapi.org/ver20/XMLSchema';
const JSON_TYPE = 'application/json; charset="UTF-8"';
const XML_TYPE = 'application/xml; charset="UTF-8"';
const xmlParser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false });
const xmlBuilder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_' });

/** statusString per statusCode (§2.2 table). */
const STATUS_STRINGS: Record<number, string> = {
  1: 'OK',
  2: 'Device Busy',
  3: 'Device Error',
  4: 'Invalid Operation',
  5: 'Invalid Format',
  6: 'Invalid Content',
  7: 'Reboot Required',
};

export interface StatusFields {
  statusCode: number;
  subStatusCode: string;
  errorCode?: number;
  errorMsg?: string;
}

export function xmlDocument(root: string, fields: Json): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    xmlBuilder.build({ [root]: { '@_version': '2.0', '@_xmlns': XMLNS, ...fields } })
  );
}

/** ResponseStatus in JSON (§2.2), with `errorCode`/`errorMsg` only where known. */
export function jsonStatus(http: number, path: string, s: StatusFields, extra: Json = {}): SimAnswer {
  const body: Json = {
    requestURL: path,
    statusCode: s.statusCode,
    statusString: STATUS_STRINGS[s.statusCode] ?? 'Unknown',
    subStatusCode: s.subStatusCode,
    ...(s.errorCode !== undefined && { errorCode: s.errorCode }),
    ...(s.errorMsg !== undefined && { errorMsg: s.errorMsg }),
    ...extra,
  };
  return { status: http, contentType: JSON_TYPE, body: JSON.stringify(body) };
}

/** `<ResponseStatus version="2.0" xmlns="…isapi.org/ver20…">` (§2.2). */
export function xmlStatus(http: number, path: string, s: StatusFields): SimAnswer {
  return {
    status: http,
    contentType: XML_TYPE,
    body: xmlDocument('ResponseStatus', {
      requestURL: path,
      statusCode: s.statusCode,
      statusString: STATUS_STRINGS[s.statusCode] ?? 'Unknown',
      subStatusCode: s.subStatusCode,
      ...(s.errorCode !== undefined && { errorCode: s.errorCode }),
      ...(s.errorMsg !== undefined && { errorMsg: s.errorMsg }),
    }),
  };
}

const OK: StatusFields = { statusCode: 1, subStatusCode: 'ok' };
/** "Failures normally come with HTTP 400" (§2.2). */
const FAIL = 400;
/** §2.2: `employeeNoAlreadyExist` = statusCode 6, errorCode 1610637344 (0x60006020), errorMsg `checkUser`. */
const ALREADY_EXISTS: StatusFields = {
  statusCode: 6,
  subStatusCode: 'employeeNoAlreadyExist',
  errorCode: 1610637344,
  errorMsg: 'checkUser',
};
const invalid = (sub: string, errorMsg?: string): StatusFields => ({
  statusCode: 6,
  subStatusCode: sub,
  ...(errorMsg !== undefined && { errorMsg }),
});
const NOT_SUPPORT: StatusFields = { statusCode: 4, subStatusCode: 'notSupport' };
const METHOD_NOT_ALLOWED: StatusFields = { statusCode: 4, subStatusCode: 'methodNotAllowed' };

class Refusal extends Error {
  constructor(readonly fields: StatusFields) {
    super(fields.subStatusCode);
  }
}

const rec = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;

function jsonBody(ctx: RouteContext): Json {
  try {
    const parsed = rec(JSON.parse(ctx.body.toString('utf8')));
    if (parsed !== undefined) return parsed;
  } catch {
    // falls through
  }
  // §2.2: statusCode 5, `badJsonFormat` for JSON that does not parse.
  throw new Refusal({ statusCode: 5, subStatusCode: 'badJsonFormat' });
}

function xmlBody(ctx: RouteContext): Json {
  const text = ctx.body.toString('utf8');
  // XML-only endpoints refuse JSON with `badXmlContent` (§2.1, as CaptureFingerPrint does).
  if (!text.trimStart().startsWith('<')) throw new Refusal(invalid('badXmlContent'));
  try {
    const parsed = rec(xmlParser.parse(text));
    if (parsed !== undefined) return parsed;
  } catch {
    // falls through
  }
  throw new Refusal({ statusCode: 5, subStatusCode: 'badXmlFormat' });
}

function intField(o: Json, name: string, min: number): number {
  const v = o[name];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min) throw new Refusal(invalid('badParameters', name));
  return n;
}

/** `responseStatusStrg` and the slice for one page (§2.6). */
function pageOf<T>(all: T[], position: number, maxResults: number, cap: number) {
  const items = all.slice(position, position + Math.min(maxResults, cap));
  const status =
    all.length === 0 || items.length === 0 ? 'NO MATCH' : position + items.length < all.length ? 'MORE' : 'OK';
  return { items, status, numOfMatches: items.length, totalMatches: all.length };
}

// ---- UserInfo (§2.3, §2.4) -------------------------------------------------------------------------------------

/** `YYYY-MM-DDTHH:mm:ss`, no offset, for `timeType` local (§2.4). */
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
const USER_TYPES = new Set(['normal', 'visitor', 'blackList']);

function readUser(ctx: RouteContext): Json {
  const body = jsonBody(ctx);
  // An object; some clients send a one-element array (§2.3).
  const raw = Array.isArray(body.UserInfo) && body.UserInfo.length === 1 ? body.UserInfo[0] : body.UserInfo;
  const user = rec(raw);
  if (user === undefined) throw new Refusal(invalid('badJsonContent', 'UserInfo'));
  const employeeNo = user.employeeNo;
  // ASCII, at most the capability's length (§2.4).
  if (
    typeof employeeNo !== 'string' ||
    employeeNo === '' ||
    employeeNo.length > ctx.profile.employeeNoMaxLength ||
    !/^[\x21-\x7e]+$/.test(employeeNo)
  ) {
    throw new Refusal(invalid('badParameters', 'employeeNo'));
  }
  if (user.userType !== undefined && !USER_TYPES.has(String(user.userType))) {
    throw new Refusal(invalid('badParameters', 'userType'));
  }
  const valid = rec(user.Valid);
  if (valid !== undefined && (valid.timeType ?? 'local') === 'local') {
    for (const field of ['beginTime', 'endTime']) {
      if (valid[field] !== undefined && !LOCAL_TIME.test(String(valid[field]))) {
        throw new Refusal(invalid('badParameters', `Valid.${field}`));
      }
    }
  }
  ctx.record.employeeNos.push(employeeNo);
  return user;
}

function ensureUserCapacity(ctx: RouteContext, employeeNo: string): void {
  // `userExceedLimit` when the model's maxRecordNum is reached (§2.2, §2.3); statusCode [sim].
  if (!ctx.state.users.has(employeeNo) && ctx.state.users.size >= ctx.profile.maxUsers) {
    throw new Refusal(invalid('userExceedLimit'));
  }
}

function userRecord(ctx: RouteContext): SimAnswer {
  const user = readUser(ctx);
  const employeeNo = String(user.employeeNo);
  // §2.7: Record of an existing employeeNo → 400 employeeNoAlreadyExist.
  if (ctx.state.users.has(employeeNo)) throw new Refusal(ALREADY_EXISTS);
  ensureUserCapacity(ctx, employeeNo);
  ctx.state.users.set(employeeNo, user);
  ctx.state.countWrite(employeeNo, 'record');
  return jsonStatus(200, ctx.pathname, OK);
}

function userModify(ctx: RouteContext): SimAnswer {
  const user = readUser(ctx);
  const employeeNo = String(user.employeeNo);
  const existing = ctx.state.users.get(employeeNo);
  // "user must exist" (§2.3); the answer for a missing one is `employeeNoNotExist` (§2.2 list) [statusCode sim].
  if (existing === undefined) throw new Refusal(invalid('employeeNoNotExist'));
  ctx.state.users.set(employeeNo, { ...existing, ...user });
  ctx.state.countWrite(employeeNo, 'modify');
  return jsonStatus(200, ctx.pathname, OK);
}

function userSetUp(ctx: RouteContext): SimAnswer {
  const user = readUser(ctx);
  const employeeNo = String(user.employeeNo);
  ensureUserCapacity(ctx, employeeNo);
  ctx.state.users.set(employeeNo, { ...(ctx.state.users.get(employeeNo) ?? {}), ...user });
  ctx.state.countWrite(employeeNo, 'setUp');
  return jsonStatus(200, ctx.pathname, OK);
}

function userDelete(ctx: RouteContext): SimAnswer {
  const cond = rec(jsonBody(ctx).UserInfoDelCond);
  const list = cond?.EmployeeNoList;
  if (!Array.isArray(list) || list.length === 0) throw new Refusal(invalid('badJsonContent', 'EmployeeNoList'));
  let missing = 0;
  for (const entry of list) {
    const employeeNo = rec(entry)?.employeeNo;
    if (typeof employeeNo !== 'string') throw new Refusal(invalid('badParameters', 'employeeNo'));
    ctx.record.employeeNos.push(employeeNo);
    if (!ctx.state.users.delete(employeeNo)) {
      missing += 1;
      continue;
    }
    // [sim] The face bound to the user goes with it, so no orphan FPID is left in the library.
    ctx.state.deleteFace(employeeNo);
    ctx.state.countWrite(employeeNo, 'delete');
  }
  // §2.7: deleting a non-existent user answers `employeeNoNotExist`.
  if (missing > 0) throw new Refusal(invalid('employeeNoNotExist'));
  return jsonStatus(200, ctx.pathname, OK);
}

function userView(ctx: RouteContext, user: Json): Json {
  const employeeNo = String(user.employeeNo);
  // Read-only counters search results add (§2.4).
  return { ...user, numOfCard: 0, numOfFP: 0, numOfFace: ctx.state.faces.has(employeeNo) ? 1 : 0 };
}

function userSearch(ctx: RouteContext): SimAnswer {
  const cond = rec(jsonBody(ctx).UserInfoSearchCond);
  if (cond === undefined) throw new Refusal(invalid('badJsonContent', 'UserInfoSearchCond'));
  const searchID = cond.searchID;
  if (typeof searchID !== 'string' || searchID === '') throw new Refusal(invalid('badParameters', 'searchID'));
  const position = intField(cond, 'searchResultPosition', 0);
  const maxResults = intField(cond, 'maxResults', 1);
  const wanted = Array.isArray(cond.EmployeeNoList)
    ? new Set(cond.EmployeeNoList.map((e) => String(rec(e)?.employeeNo)))
    : undefined;
  const all = ctx.state.searchSnapshot(searchID, position, () =>
    [...ctx.state.users.values()]
      .filter((u) => wanted === undefined || wanted.has(String(u.employeeNo)))
      .map((u) => userView(ctx, u)),
  );
  const page = pageOf(all, position, maxResults, ctx.profile.maxResultsPerPage);
  const search: Json = {
    searchID,
    responseStatusStrg: page.status,
    numOfMatches: page.numOfMatches,
    totalMatches: page.totalMatches,
  };
  if (page.items.length > 0) search.UserInfo = page.items;
  return { status: 200, contentType: JSON_TYPE, body: JSON.stringify({ UserInfoSearch: search }) };
}

function userCount(ctx: RouteContext): SimAnswer {
  const bound = [...ctx.state.users.keys()].filter((no) => ctx.state.faces.has(no)).length;
  const body = { UserInfoCount: { userNumber: ctx.state.users.size, bindFaceUserNumber: bound } };
  return { status: 200, contentType: JSON_TYPE, body: JSON.stringify(body) };
}

// ---- Capabilities (§2.3) ---------------------------------------------------------------------------------------

function accessControlCapabilities(ctx: RouteContext): SimAnswer {
  // isSupportUserInfo / isSupportUserInfoDetailDelete are the reference's; isSupportCaptureFace,
  // isSupportFDLib and isSupportRemoteControlDoor are [sim] names.
  const body = {
    AccessControl: {
      isSupportUserInfo: true,
      isSupportUserInfoDetailDelete: true,
      isSupportFDLib: true,
      isSupportCaptureFace: ctx.profile.captureFace,
      isSupportRemoteControlDoor: true,
    },
  };
  return { status: 200, contentType: JSON_TYPE, body: JSON.stringify(body) };
}

function userInfoCapabilities(ctx: RouteContext): SimAnswer {
  const body = {
    UserInfo: {
      supportFunction: { '@opt': 'post,delete,put,get,setUp' },
      maxRecordNum: ctx.profile.maxUsers,
      EmployeeNoInfo: { employeeNo: { '@min': 1, '@max': ctx.profile.employeeNoMaxLength } },
    },
  };
  return { status: 200, contentType: JSON_TYPE, body: JSON.stringify(body) };
}

function fdLibCapabilities(ctx: RouteContext): SimAnswer {
  // [sim] The reference does not show FDLib capabilities; these field names are the simulator's own.
  const body = {
    requestURL: ctx.pathname,
    FDRecordDataMaxNum: ctx.profile.maxFaces,
    FaceDataRecord: {
      faceLibType: { '@opt': 'blackFD' },
      FDID: { '@min': 1, '@max': 63 },
      FPID: { '@min': 1, '@max': 63 },
      pictureDataType: { '@opt': ctx.profile.acceptsBinaryFace ? 'url,binary' : 'url' },
      pictureMaxSize: ctx.profile.maxFaceBytes,
    },
  };
  return { status: 200, contentType: JSON_TYPE, body: JSON.stringify(body) };
}

// ---- Faces (§2.3, §2.5, seed 002) ------------------------------------------------------------------------------

const IMAGE_PART_NAMES = new Set(['FaceImage', 'img', 'faceImage']);

interface FaceRequest {
  record: Json;
  image?: FormPart;
}

function readFaceRequest(ctx: RouteContext): FaceRequest {
  const boundary = multipartBoundary(ctx.contentType);
  if (boundary === undefined) return { record: jsonBody(ctx) };
  const parts = parseMultipart(ctx.body, boundary);
  // Malformed multipart → badJsonFormat (§2.5).
  if (parts === undefined) throw new Refusal({ statusCode: 5, subStatusCode: 'badJsonFormat' });
  // The JSON part is always named FaceDataRecord (§2.5; seed 002's FDSetUp).
  const json = parts.find((p) => p.name === 'FaceDataRecord');
  if (json === undefined) throw new Refusal(invalid('badJsonContent', 'FaceDataRecord'));
  let record: Json | undefined;
  try {
    record = rec(JSON.parse(json.data.toString('utf8')));
  } catch {
    record = undefined;
  }
  if (record === undefined) throw new Refusal({ statusCode: 5, subStatusCode: 'badJsonFormat' });
  // The image part's name varies in working code: FaceImage, img, faceImage (§2.5).
  const image = parts.find((p) => IMAGE_PART_NAMES.has(p.name));
  return { record, ...(image !== undefined && { image }) };
}

function checkLibrary(record: Json): string {
  // FDID "1" + blackFD is the terminal's built-in library (§2.5).
  if (record.faceLibType !== 'blackFD' || String(record.FDID) !== '1') {
    throw new Refusal(invalid('badParameters', 'FDID'));
  }
  const fpid = record.FPID;
  if (typeof fpid !== 'string' || fpid === '' || Buffer.byteLength(fpid) > 63) {
    throw new Refusal(invalid('badParameters', 'FPID'));
  }
  return fpid;
}

const isJpeg = (b: Buffer) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8;

/** The picture a FaceDataRecord/FDSetUp request brings, by whichever way the model allows. */
async function facePicture(
  ctx: RouteContext,
  req: FaceRequest,
): Promise<{ jpeg: Buffer; source: 'terminalFile' | 'upload' | 'download' }> {
  if (req.image !== undefined) {
    // Seed 002's terminal refuses the picture in the body: `badJsonFormat`/`badJsonContent` ("Удаленные" #2).
    if (!ctx.profile.acceptsBinaryFace) throw new Refusal(invalid('badJsonContent', 'FaceDataRecord'));
    // [sim] JPEG ≤200 KB (§2.5 [unc per model]); the reference has no error for it, so the nearest §2.2 one:
    // Invalid Content / badParameters, errorMsg naming the offending part (§2.2 "errorMsg often names the field").
    if (req.image.data.length > ctx.profile.maxFaceBytes) throw new Refusal(invalid('badParameters', req.image.name));
    if (!isJpeg(req.image.data)) throw new Refusal(invalid('badParameters', req.image.name));
    return { jpeg: req.image.data, source: 'upload' };
  }
  const faceURL = req.record.faceURL;
  if (typeof faceURL !== 'string' || faceURL === '' || faceURL.startsWith('data:')) {
    // Base64 inside the JSON → badJsonContent (§2.5, seed 002 "FaceDataRecord с base64").
    throw new Refusal(invalid('badJsonContent', 'faceURL'));
  }
  let url: URL;
  try {
    url = new URL(faceURL);
  } catch {
    throw new Refusal(invalid('badParameters', 'faceURL'));
  }
  // The terminal's own file: it uses it directly, without downloading (seed 002 "Почему работает" 3–4).
  const own = ctx.state.files.get(decodeURIComponent(url.pathname));
  if (url.pathname.startsWith('/LOCALS/')) {
    if (own === undefined) throw new Refusal(invalid('urlDownloadFail', 'faceURL'));
    return { jpeg: own, source: 'terminalFile' };
  }
  // Anything else is downloaded by the terminal, which seed 002's cannot do (`urlDownloadFail`, §2.5).
  const fetched = ctx.profile.downloadsExternalUrls ? await ctx.download(faceURL) : undefined;
  if (fetched === undefined || !isJpeg(fetched)) throw new Refusal(invalid('urlDownloadFail', 'faceURL'));
  if (fetched.length > ctx.profile.maxFaceBytes) throw new Refusal(invalid('badParameters', 'faceURL'));
  return { jpeg: fetched, source: 'download' };
}

async function storeFaceFrom(ctx: RouteContext, replace: boolean): Promise<SimAnswer> {
  const req = readFaceRequest(ctx);
  const fpid = checkLibrary(req.record);
  ctx.record.employeeNos.push(fpid);
  // "FPID must equal an existing employeeNo (create the user first)" (§2.5); answer [sim].
  if (!ctx.state.users.has(fpid)) throw new Refusal(invalid('employeeNoNotExist', 'FPID'));
  const { jpeg, source } = await facePicture(ctx, req);
  const exists = ctx.state.faces.has(fpid);
  // FaceDataRecord adds only; FDSetUp adds or replaces (§2.3). `deviceUserAlreadyExistFace` is from §2.2's list.
  if (exists && !replace) throw new Refusal(invalid('deviceUserAlreadyExistFace', 'FPID'));
  if (!exists && ctx.state.faces.size >= ctx.profile.maxFaces) throw new Refusal(invalid('faceNumOverLimit'));
  ctx.state.storeFace(fpid, jpeg, source);
  ctx.state.countWrite(fpid, 'faceWrite');
  return jsonStatus(200, ctx.pathname, OK, replace ? {} : { FPID: fpid });
}

function faceSearch(ctx: RouteContext): SimAnswer {
  const body = jsonBody(ctx);
  checkLibrary({ ...body, FPID: body.FPID ?? '-' });
  const position = intField(body, 'searchResultPosition', 0);
  const maxResults = intField(body, 'maxResults', 1);
  const fpid = typeof body.FPID === 'string' ? body.FPID : undefined;
  const all = [...ctx.state.faces.values()]
    .filter((f) => fpid === undefined || f.FPID === fpid)
    .map((f) => ({ FPID: f.FPID, faceURL: `${ctx.publicUrl}${f.path}` }));
  const page = pageOf(all, position, maxResults, ctx.profile.maxResultsPerPage);
  return jsonStatus(200, ctx.pathname, OK, {
    ...(typeof body.searchID === 'string' && { searchID: body.searchID }),
    responseStatusStrg: page.status,
    numOfMatches: page.numOfMatches,
    totalMatches: page.totalMatches,
    ...(page.items.length > 0 && { MatchList: page.items }),
  });
}

function faceDelete(ctx: RouteContext): SimAnswer {
  // PUT …/FDSearch/Delete?format=json&FDID=1&faceLibType=blackFD with {"FPID":[{"value":…}]} (§2.3).
  checkLibrary({ faceLibType: ctx.query.get('faceLibType'), FDID: ctx.query.get('FDID'), FPID: '-' });
  const list = jsonBody(ctx).FPID;
  if (!Array.isArray(list)) throw new Refusal(invalid('badJsonContent', 'FPID'));
  for (const entry of list) {
    const fpid = rec(entry)?.value;
    if (typeof fpid !== 'string') throw new Refusal(invalid('badParameters', 'FPID'));
    ctx.record.employeeNos.push(fpid);
    if (ctx.state.deleteFace(fpid)) ctx.state.countWrite(fpid, 'faceDelete');
  }
  return jsonStatus(200, ctx.pathname, OK);
}

async function captureFaceData(ctx: RouteContext): Promise<SimAnswer> {
  const cond = rec(xmlBody(ctx).CaptureFaceDataCond);
  if (cond === undefined) throw new Refusal(invalid('badXmlContent', 'CaptureFaceDataCond'));
  if (!ctx.profile.captureFace) throw new Refusal(NOT_SUPPORT);
  // [sim] only dataType url (seed 002's flow); binary delivery is not simulated.
  if ((cond.dataType ?? 'url') !== 'url') throw new Refusal(NOT_SUPPORT);
  const poll = await ctx.capture.poll(ctx.signal);
  const fields: Json = { captureProgress: poll.progress };
  if (poll.progress === 100) {
    // Seed 002 step 2.4–2.5: the file lands in /LOCALS/pic/ and its URL is returned.
    fields.faceDataUrl = `${ctx.publicUrl}${ctx.state.storeCapture(poll.jpeg)}`;
  }
  // The root name varies between documents (§2.3); CaptureFaceData is the [sim] choice.
  return { status: 200, contentType: XML_TYPE, body: xmlDocument('CaptureFaceData', fields) };
}

// ---- Door, events, system ----------------------------------------------------------------------------------

const DOOR_COMMANDS = new Set(['open', 'close', 'alwaysOpen', 'alwaysClose']);

function remoteDoor(ctx: RouteContext, door: number): SimAnswer {
  const cmd = rec(xmlBody(ctx).RemoteControlDoor)?.cmd;
  if (typeof cmd !== 'string' || !DOOR_COMMANDS.has(cmd)) throw new Refusal(invalid('badXmlContent', 'cmd'));
  if (door < 1 || door > ctx.profile.doors) throw new Refusal(invalid('badParameters', 'doorNo'));
  ctx.state.doorCommands.push({ door, cmd, at: Date.now() });
  return xmlStatus(200, ctx.pathname, OK);
}

/** `YYYY-MM-DDTHH:mm:ss±HH:MM`; milliseconds or `Z` → badJsonContent naming the field (§2.7). */
const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

function acsEvents(ctx: RouteContext): SimAnswer {
  const cond = rec(jsonBody(ctx).AcsEventCond);
  if (cond === undefined) throw new Refusal(invalid('badJsonContent', 'AcsEventCond'));
  const searchID = cond.searchID;
  if (typeof searchID !== 'string' || searchID === '') throw new Refusal(invalid('badParameters', 'searchID'));
  const position = intField(cond, 'searchResultPosition', 0);
  const maxResults = intField(cond, 'maxResults', 1);
  const bound = (name: string): number | undefined => {
    const v = cond[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !EVENT_TIME.test(v)) throw new Refusal(invalid('badJsonContent', name));
    return Date.parse(v);
  };
  const start = bound('startTime');
  const end = bound('endTime');
  const major = cond.major === undefined ? 0 : intField(cond, 'major', 0);
  const minor = cond.minor === undefined ? 0 : intField(cond, 'minor', 0);
  const all = ctx.state.searchSnapshot(searchID, position, () =>
    ctx.state.events.filter((e) => {
      const at = Date.parse(e.time);
      return (
        (major === 0 || e.major === major) &&
        (minor === 0 || e.minor === minor) &&
        (start === undefined || at >= start) &&
        (end === undefined || at <= end)
      );
    }),
  );
  const page = pageOf(all, position, maxResults, ctx.profile.maxResultsPerPage);
  const event: Json = {
    searchID,
    totalMatches: page.totalMatches,
    responseStatusStrg: page.status,
    numOfMatches: page.numOfMatches,
  };
  // Under AcsEvent.InfoList, not AcsEventList (§2.7).
  if (page.items.length > 0) event.InfoList = page.items;
  return { status: 200, contentType: JSON_TYPE, body: JSON.stringify({ AcsEvent: event }) };
}

function deviceInfo(ctx: RouteContext, serialNumber: string, macAddress: string): SimAnswer {
  // XML even when `format=json` is asked: some MinMoe firmwares ignore it here (§2.1).
  const p = ctx.profile;
  const body = xmlDocument('DeviceInfo', {
    deviceName: 'Access Controller',
    deviceID: serialNumber.slice(-9),
    model: p.model,
    serialNumber: `${p.model}${serialNumber}`,
    macAddress,
    firmwareVersion: p.firmwareVersion,
    firmwareReleasedDate: p.firmwareReleasedDate,
    deviceType: p.deviceType,
  });
  return { status: 200, contentType: XML_TYPE, body };
}

function systemTime(ctx: RouteContext): SimAnswer {
  // XML only (§2.1 lists System/time among the XML-only endpoints). `localTime` carries the offset; `timeZone` is
  // POSIX-style with the sign inverted (`CST+5:00:00` = UTC−5); `timeMode` manual [sim].
  const body = xmlDocument('Time', {
    timeMode: 'manual',
    localTime: toIsapiTime(new Date(), ctx.utcOffsetMinutes),
    timeZone: posixZoneOf(ctx.utcOffsetMinutes),
  });
  return { status: 200, contentType: XML_TYPE, body };
}

// ---- Dispatch ----------------------------------------------------------------------------------------------

type Handler = (ctx: RouteContext) => SimAnswer | Promise<SimAnswer>;

/** XML-only endpoints (§2.1) answer errors in XML too; the rest in JSON (§2.3). */
const XML_PATHS =
  /^\/ISAPI\/(System\/deviceInfo|System\/time|AccessControl\/CaptureFaceData|AccessControl\/RemoteControl\/door\/)/;

export const isXmlEndpoint = (pathname: string) => XML_PATHS.test(pathname);

export interface DeviceIdentity {
  serialNumber: string;
  macAddress: string;
}

export function routesFor(identity: DeviceIdentity): Record<string, Partial<Record<string, Handler>>> {
  return {
    '/ISAPI/System/deviceInfo': { GET: (ctx) => deviceInfo(ctx, identity.serialNumber, identity.macAddress) },
    '/ISAPI/System/time': { GET: systemTime },
    '/ISAPI/AccessControl/capabilities': { GET: accessControlCapabilities },
    '/ISAPI/AccessControl/UserInfo/capabilities': { GET: userInfoCapabilities },
    '/ISAPI/Intelligent/FDLib/capabilities': { GET: fdLibCapabilities },
    '/ISAPI/AccessControl/UserInfo/Record': { POST: userRecord },
    // "POST here → methodNotAllowed" (§2.3): Modify, SetUp and Delete are PUT only.
    '/ISAPI/AccessControl/UserInfo/Modify': { PUT: userModify },
    '/ISAPI/AccessControl/UserInfo/SetUp': { PUT: userSetUp },
    '/ISAPI/AccessControl/UserInfo/Delete': { PUT: userDelete },
    '/ISAPI/AccessControl/UserInfo/Search': { POST: userSearch },
    '/ISAPI/AccessControl/UserInfo/Count': { GET: userCount },
    '/ISAPI/Intelligent/FDLib/FaceDataRecord': { POST: (ctx) => storeFaceFrom(ctx, false) },
    '/ISAPI/Intelligent/FDLib/FDSetUp': { PUT: (ctx) => storeFaceFrom(ctx, true) },
    '/ISAPI/Intelligent/FDLib/FDSearch': { POST: faceSearch },
    '/ISAPI/Intelligent/FDLib/FDSearch/Delete': { PUT: faceDelete },
    // Seed 002 "Удаленные" #1: pictureUpload → notSupport.
    '/ISAPI/Intelligent/FDLib/pictureUpload': { POST: () => Promise.reject(new Refusal(NOT_SUPPORT)) },
    // Seed 002 "Удаленные" #3: UserInfoDetail/Picture is not supported by the terminal.
    '/ISAPI/AccessControl/UserInfoDetail/Picture': {
      POST: () => Promise.reject(new Refusal(NOT_SUPPORT)),
      PUT: () => Promise.reject(new Refusal(NOT_SUPPORT)),
    },
    '/ISAPI/AccessControl/CaptureFaceData': { POST: captureFaceData },
    '/ISAPI/AccessControl/AcsEvent': { POST: acsEvents },
  };
}

export async function answerIsapi(
  ctx: RouteContext,
  routes: Record<string, Partial<Record<string, Handler>>>,
): Promise<SimAnswer> {
  const { pathname, method } = ctx;
  const xml = isXmlEndpoint(pathname);
  const refuse = (http: number, s: StatusFields) => {
    ctx.record.subStatusCode = s.subStatusCode;
    return xml ? xmlStatus(http, pathname, s) : jsonStatus(http, pathname, s);
  };

  try {
    if (pathname.startsWith('/LOCALS/')) {
      // Files on the terminal: readable, never writable — PUT into /LOCALS/ → 405 (seed 002 "Удаленные" #4).
      if (method !== 'GET') return { ...xmlStatus(405, pathname, METHOD_NOT_ALLOWED), headers: { Allow: 'GET' } };
      const file = ctx.state.files.get(decodeURIComponent(pathname));
      if (file === undefined) return { status: 404, contentType: 'text/plain', body: 'Not Found' };
      return { status: 200, contentType: 'image/jpeg', body: file };
    }
    const door = /^\/ISAPI\/AccessControl\/RemoteControl\/door\/(\d+)$/.exec(pathname);
    if (door !== null) {
      if (method !== 'PUT') return refuse(405, METHOD_NOT_ALLOWED);
      return remoteDoor(ctx, Number(door[1]));
    }
    const route = routes[pathname];
    // Unknown URL on this model: 404 + notSupport (§3 "Endpoint unsupported on a model/firmware (404, notSupport)").
    if (route === undefined) return refuse(404, NOT_SUPPORT);
    const handler = route[method];
    if (handler === undefined)
      return { ...refuse(405, METHOD_NOT_ALLOWED), headers: { Allow: Object.keys(route).join(', ') } };
    return await handler(ctx);
  } catch (err) {
    if (err instanceof Refusal) return refuse(FAIL, err.fields);
    throw err;
  }
}
