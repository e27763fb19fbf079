/**
 * Model profiles of the simulated terminal. Behaviour that differs per model is driven from here; capacities
 * and per-model limits are not published (reference §4 q9), so the numbers are plausible defaults that tests
 * override.
 */

export interface TerminalModelProfile {
  model: string;
  deviceType: string;
  firmwareVersion: string;
  firmwareReleasedDate: string;
  /** `maxRecordNum` (§2.3); Record/SetUp of one more user → `userExceedLimit` (§2.2). */
  maxUsers: number;
  /** `faceNumOverLimit` beyond this (§2.2). */
  maxFaces: number;
  /** `EmployeeNoInfo.employeeNo` max length, e.g. 32 (§2.3, §2.4). */
  employeeNoMaxLength: number;
  /** Pages hold at most this many entries whatever `maxResults` asks (§2.6 "may return fewer"). */
  maxResultsPerPage: number;
  doors: number;
  /** CaptureFaceData works (seed 002 step 2). */
  captureFace: boolean;
  /** FaceDataRecord/FDSetUp accept the JPEG in the multipart body (§2.5); seed 002's terminal does not. */
  acceptsBinaryFace: boolean;
  /** The terminal can reach URLs outside itself (§2.5 URL mode); seed 002's cannot (`urlDownloadFail`). */
  downloadsExternalUrls: boolean;
  /** Larger face pictures are refused (§2.5 "JPEG ≤200 KB commonly required" [unc per model]). */
  maxFaceBytes: number;
}

/**
 * (a) Seed 002's terminal. The seed names no model; reference §2.5 names DS-K1T343EFWX as the terminal where base64
 * in JSON gives `badJsonContent` and `pictureUpload` gives `notSupport` — the same failures seed 002 lists.
 * Only CaptureFaceData + FDSetUp by the terminal's own URL works there (seed 002 "Итог").
 */
export const SEED_CAPTURE_MODEL: TerminalModelProfile = {
  model: 'DS-K1T343EFWX',
  deviceType: 'ACS',
  firmwareVersion: 'V3.2.30',
  firmwareReleasedDate: 'build 230410',
  maxUsers: 3000,
  maxFaces: 1500,
  employeeNoMaxLength: 32,
  maxResultsPerPage: 30,
  doors: 1,
  captureFace: true,
  acceptsBinaryFace: false,
  downloadsExternalUrls: false,
  maxFaceBytes: 200 * 1024,
};

/**
 * (b) An upload-capable terminal: multipart FaceDataRecord as in §2.5 ("works on most MinMoe firmware"), JPEG
 * ≤200 KB. Which real models behave so is not in the reference; the model name is one §2.7 mentions, chosen only
 * so deviceInfo shows a plausible value.
 */
export const UPLOAD_MODEL: TerminalModelProfile = {
  model: 'DS-K1T320MFWX',
  deviceType: 'ACS',
  firmwareVersion: 'V3.3.8',
  firmwareReleasedDate: 'build 240115',
  maxUsers: 1000,
  maxFaces: 500,
  employeeNoMaxLength: 32,
  maxResultsPerPage: 30,
  doors: 1,
  captureFace: true,
  acceptsBinaryFace: true,
  downloadsExternalUrls: true,
  maxFaceBytes: 200 * 1024,
};

export const MODEL_PROFILES: Record<string, TerminalModelProfile> = {
  [SEED_CAPTURE_MODEL.model]: SEED_CAPTURE_MODEL,
  [UPLOAD_MODEL.model]: UPLOAD_MODEL,
};

export function modelProfile(name: string, overrides: Partial<TerminalModelProfile> = {}): TerminalModelProfile {
  const base = MODEL_PROFILES[name];
  if (base === undefined) {
    throw new Error(`unknown terminal model ${name}; known: ${Object.keys(MODEL_PROFILES).join(', ')}`);
  }
  return { ...base, ...overrides };
}
