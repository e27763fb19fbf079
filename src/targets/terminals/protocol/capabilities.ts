/**
 * What a terminal says it can do, from `/ISAPI/AccessControl/capabilities`, `…/UserInfo/capabilities` and
 * `/ISAPI/Intelligent/FDLib/capabilities` (§2.3). Per-model capacities are read at run time (§4 q9).
 *
 * Field names: `isSupportUserInfo`, `isSupportUserInfoDetailDelete`, `UserInfo.supportFunction`, `maxRecordNum`
 * and `EmployeeNoInfo.employeeNo` are the reference's (§2.3). The reference is silent on the FDLib capability
 * fields that say *how* a face may be uploaded and on the capture flag; the names read here
 * (`isSupportCaptureFace`, `FaceDataRecord.pictureDataType` `@opt` "url,binary", `FaceDataRecord.pictureMaxSize`,
 * `FDRecordDataMaxNum`) are assumptions, read tolerantly and only ever used to *prefer* a method — a missing field
 * leaves the method `undefined` (unknown), never `false`.
 */

type Json = Record<string, unknown>;

export interface FaceUploadSupport {
  /** CaptureFaceData + FDSetUp by the terminal's own URL (seed 002's only working way). */
  captureAndBind?: boolean;
  /** FaceDataRecord / FDSetUp multipart with the JPEG (§2.5). */
  binary?: boolean;
  /** FaceDataRecord with `faceURL` the terminal downloads (§2.5). */
  url?: boolean;
  maxPictureBytes?: number;
}

export interface TerminalCapabilities {
  /** Raw answers (`null` when the model lacks the endpoint). */
  raw: { accessControl: Json | null; userInfo: Json | null; fdLib: Json | null };
  supportsUserInfo?: boolean;
  /** `maxRecordNum`: the model's user capacity. */
  maxUsers?: number;
  /** Longest employeeNo the terminal accepts (`EmployeeNoInfo.employeeNo`, e.g. 32). */
  employeeNoMaxLength?: number;
  /** From `UserInfo.supportFunction`, e.g. ['post','delete','put','get','setUp']. */
  userFunctions: string[];
  maxFaces?: number;
  faceUpload: FaceUploadSupport;
}

const rec = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;

const bool = (v: unknown): boolean | undefined =>
  v === true || v === 'true' ? true : v === false || v === 'false' ? false : undefined;

/** A number, or the `@max` of an ISAPI range `{"@min":1,"@max":32}`. */
function num(v: unknown): number | undefined {
  const raw = rec(v)?.['@max'] ?? v;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** `{"@opt":"a,b"}`, `"a,b"` or an array, as a list. */
function opts(v: unknown): string[] | undefined {
  const raw = rec(v)?.['@opt'] ?? v;
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw === 'string') {
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
  return undefined;
}

export function deriveCapabilities(
  accessControlAnswer: Json | null,
  userInfoAnswer: Json | null,
  fdLibAnswer: Json | null,
): TerminalCapabilities {
  const ac = rec(accessControlAnswer?.AccessControl) ?? accessControlAnswer ?? undefined;
  const ui = rec(userInfoAnswer?.UserInfo) ?? userInfoAnswer ?? undefined;
  const fd = rec(fdLibAnswer?.FDLibCap) ?? fdLibAnswer ?? undefined;
  const employeeNoInfo = rec(ui?.EmployeeNoInfo) ?? rec(userInfoAnswer?.EmployeeNoInfo);
  const record = rec(fd?.FaceDataRecord);
  const dataTypes = opts(record?.pictureDataType);
  const capture = bool(ac?.isSupportCaptureFace);

  return {
    raw: { accessControl: accessControlAnswer, userInfo: userInfoAnswer, fdLib: fdLibAnswer },
    supportsUserInfo: bool(ac?.isSupportUserInfo),
    maxUsers: num(ui?.maxRecordNum),
    employeeNoMaxLength: num(employeeNoInfo?.employeeNo),
    userFunctions: opts(ui?.supportFunction) ?? [],
    maxFaces: num(fd?.FDRecordDataMaxNum),
    faceUpload: {
      ...(capture !== undefined && { captureAndBind: capture }),
      ...(dataTypes !== undefined && { binary: dataTypes.includes('binary'), url: dataTypes.includes('url') }),
      ...(num(record?.pictureMaxSize) !== undefined && { maxPictureBytes: num(record?.pictureMaxSize) }),
    },
  };
}
