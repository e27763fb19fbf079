/**
 * What one simulated terminal holds: users, the face library, files under /LOCALS/, access events, open
 * search sessions, and what was done to it (request log, per-employeeNo write counts) for tests to inspect.
 */

type Json = Record<string, unknown>;

export interface StoredFace {
  FPID: string;
  jpeg: Buffer;
  /** Where the terminal serves it (`/LOCALS/pic/enrlFace/…`, the directory seed 002 tried to PUT into). */
  path: string;
  source: 'terminalFile' | 'upload' | 'download';
}

export interface WriteCounts {
  record: number;
  modify: number;
  setUp: number;
  delete: number;
  /** FaceDataRecord / FDSetUp that stored a face. */
  faceWrite: number;
  faceDelete: number;
}

export interface SimRequestRecord {
  at: number;
  method: string;
  /** Path without query. */
  path: string;
  httpStatus?: number;
  subStatusCode?: string;
  /** employeeNos (or FPIDs) the request named. */
  employeeNos: string[];
  /** Arrival to last byte written, fractional ms. */
  durationMs?: number;
}

export interface SimEvent {
  major: number;
  minor: number;
  /** With offset, e.g. `2026-06-03T08:00:00-06:00`. */
  time: string;
  employeeNoString?: string;
  name?: string;
  cardNo?: string;
  currentVerifyMode?: string | number;
  [field: string]: unknown;
}

const REQUEST_LOG_LIMIT = 10_000;
const SEARCH_SESSION_LIMIT = 64;

const emptyCounts = (): WriteCounts => ({ record: 0, modify: 0, setUp: 0, delete: 0, faceWrite: 0, faceDelete: 0 });

export class SimulatorState {
  readonly users = new Map<string, Json>();
  readonly faces = new Map<string, StoredFace>();
  /** Files the terminal serves under /LOCALS/ (captures and library faces). */
  readonly files = new Map<string, Buffer>();
  readonly events: SimEvent[] = [];
  readonly doorCommands: Array<{ door: number; cmd: string; at: number }> = [];
  readonly requestLog: SimRequestRecord[] = [];
  readonly writes = new Map<string, WriteCounts>();
  /** searchID → the matches snapshotted when the scan started (§2.6: one device search session per searchID). */
  private readonly searches = new Map<string, unknown[]>();
  private captureSeq = 0;
  private faceSeq = 0;
  private eventSerial = 0;

  logRequest(method: string, path: string): SimRequestRecord {
    const record: SimRequestRecord = { at: Date.now(), method, path, employeeNos: [] };
    this.requestLog.push(record);
    if (this.requestLog.length > REQUEST_LOG_LIMIT) this.requestLog.shift();
    return record;
  }

  countWrite(employeeNo: string, kind: keyof WriteCounts): void {
    const counts = this.writes.get(employeeNo) ?? emptyCounts();
    counts[kind] += 1;
    this.writes.set(employeeNo, counts);
  }

  /**
   * Stores a captured picture under the name seed 002 shows: `/LOCALS/pic/web_face_enrollpic.jpg@WEB000000000020`
   * — one file name, told apart by the `@WEB` + 12-digit suffix.
   */
  storeCapture(jpeg: Buffer): string {
    this.captureSeq += 1;
    const path = `/LOCALS/pic/web_face_enrollpic.jpg@WEB${String(this.captureSeq).padStart(12, '0')}`;
    this.files.set(path, jpeg);
    return path;
  }

  storeFace(FPID: string, jpeg: Buffer, source: StoredFace['source']): StoredFace {
    const previous = this.faces.get(FPID);
    if (previous !== undefined) this.files.delete(previous.path);
    this.faceSeq += 1;
    const path = `/LOCALS/pic/enrlFace/0/${String(this.faceSeq).padStart(10, '0')}.jpg`;
    const face: StoredFace = { FPID, jpeg, path, source };
    this.files.set(path, jpeg);
    this.faces.set(FPID, face);
    return face;
  }

  deleteFace(FPID: string): boolean {
    const face = this.faces.get(FPID);
    if (face === undefined) return false;
    this.files.delete(face.path);
    this.faces.delete(FPID);
    return true;
  }

  addEvent(event: SimEvent): void {
    this.eventSerial += 1;
    this.events.push({ serialNo: this.eventSerial, ...event });
  }

  /** The scan's snapshot: taken afresh at position 0 or for an unknown searchID. */
  searchSnapshot<T>(searchID: string, position: number, matches: () => T[]): T[] {
    const known = this.searches.get(searchID);
    if (known !== undefined && position > 0) return known as T[];
    const snapshot = matches();
    this.searches.delete(searchID);
    this.searches.set(searchID, snapshot);
    if (this.searches.size > SEARCH_SESSION_LIMIT) {
      const oldest = this.searches.keys().next().value;
      if (oldest !== undefined) this.searches.delete(oldest);
    }
    return snapshot;
  }

  reset(): void {
    this.users.clear();
    this.faces.clear();
    this.files.clear();
    this.events.length = 0;
    this.doorCommands.length = 0;
    this.requestLog.length = 0;
    this.writes.clear();
    this.searches.clear();
    this.captureSeq = 0;
    this.faceSeq = 0;
    this.eventSerial = 0;
  }
}
