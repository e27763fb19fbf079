/** Wire types of ISAPI on access-control terminals (reference hikvision.md §2.3–§2.6). */

/** `DeviceInfo` (§2.3); values are kept as the text the terminal sent. */
export interface DeviceInfo {
  deviceName?: string;
  deviceID?: string;
  model?: string;
  serialNumber?: string;
  macAddress?: string;
  firmwareVersion?: string;
  firmwareReleasedDate?: string;
  deviceType?: string;
  [field: string]: unknown;
}

/** `/ISAPI/System/time` (XML, §2.1): `<Time><timeMode/><localTime/><timeZone/></Time>`. */
export interface TerminalTime {
  timeMode?: string;
  /** With the terminal's offset, e.g. `2026-12-02T01:02:03-05:00`. */
  localTime?: string;
  /** POSIX-style, sign inverted: `CST+5:00:00` is UTC−5. */
  timeZone?: string;
  /** The terminal's UTC offset in minutes (−300 for UTC−5); null when neither field tells it. */
  utcOffsetMinutes: number | null;
}

export type UserType = 'normal' | 'visitor' | 'blackList';

/** `Valid` of a UserInfo (§2.4): local times `YYYY-MM-DDTHH:mm:ss` without offset when `timeType` is local. */
export interface UserValid {
  enable: boolean;
  beginTime: string;
  endTime: string;
  timeType?: 'local' | 'UTC';
}

/** UserInfo (§2.4). `employeeNo` is ASCII, at most `employeeNoMaxLength` characters (capabilities). */
export interface UserInfo {
  employeeNo: string;
  name?: string;
  userType?: UserType;
  Valid?: UserValid;
  gender?: 'male' | 'female' | 'unknown';
  doorRight?: string;
  RightPlan?: Array<{ doorNo: number; planTemplateNo: string }>;
  localUIRight?: boolean;
  belongGroup?: string;
  userVerifyMode?: string;
  /** Read-only, in search results (§2.4). */
  numOfCard?: number;
  numOfFP?: number;
  numOfFace?: number;
  [field: string]: unknown;
}

/** `responseStatusStrg` of paged searches (§2.3, §2.6). */
export type SearchStatus = 'OK' | 'MORE' | 'NO MATCH';

export interface SearchPage<T> {
  searchID: string;
  responseStatusStrg: SearchStatus;
  numOfMatches: number;
  totalMatches: number;
  items: T[];
}

export interface UserInfoCount {
  userNumber: number;
  bindFaceUserNumber?: number;
}

/** `MatchList` entry of FDSearch (§2.3). */
export interface FaceMatch {
  FPID: string;
  faceURL?: string;
  modelData?: string;
}

/** `InfoList` entry of AcsEvent (§2.3); `currentVerifyMode` may be string or number (§2.7). */
export interface AcsEventInfo {
  major: number;
  minor: number;
  time: string;
  cardNo?: string;
  name?: string;
  employeeNoString?: string;
  serialNo?: number;
  currentVerifyMode?: string | number;
  attendanceStatus?: string;
  pictureURL?: string;
  mask?: string;
  [field: string]: unknown;
}

/** `cmd` of `RemoteControlDoor` (§2.3); `alwaysOpen`/`alwaysClose` are from the guide only [unc]. */
export type DoorCommand = 'open' | 'close' | 'alwaysOpen' | 'alwaysClose';

/** The face library every access terminal has: FDID "1", type `blackFD` (§2.5). */
export const TERMINAL_FACE_LIBRARY = { faceLibType: 'blackFD', FDID: '1' } as const;
