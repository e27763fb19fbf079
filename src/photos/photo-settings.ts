// Settings and their defaults only: config.ts imports this file, so nothing heavy (sharp, tfjs) here.
import { PHOTO_RULES } from './photo-rules';

export interface FaceCheckSettings {
  /** Face box (its longer side) as a share of the image's short side; vendor guidance is ~40%. */
  minFaceShare: number;
  maxYawDeg: number;
  maxRollDeg: number;
  /** Variance of the Laplacian over the face, on a 256-px greyscale crop. */
  minSharpness: number;
  /** Mean luminance (0–255) of the face. */
  minBrightness: number;
  maxBrightness: number;
}

export const DEFAULT_FACE_CHECKS: FaceCheckSettings = {
  minFaceShare: 0.4,
  maxYawDeg: 15,
  maxRollDeg: 15,
  // Calibrated on crops of the package's sample faces (17–39) against the same crop blurred σ 2 (8);
  // the tiny detector stops finding faces beyond σ 3. Needs validating on real ID photos.
  minSharpness: 12,
  minBrightness: 40,
  maxBrightness: 215,
};

/**
 * How a kind of target wants its face pictures; configurable per deployment. `format`, `minSide`, `maxSide` and
 * `maxBytes` are the rules every rendition is verified against before it is sent (target-profiles.ts): a rendition
 * that breaks one is a classified failure, never a push the target refuses.
 */
export interface TargetPhotoProfile {
  name: 'hikcentral' | 'isapi';
  /** What is sent. */
  format: 'jpeg';
  /**
   * The shortest side the target accepts; `null` where the target names none. Reached by cropping wider and by
   * never shrinking below it, never by enlarging, so it may not exceed intake's minimum (photo-rules.ts).
   */
  minSide: number | null;
  /** Longest side after resizing; never enlarges. */
  maxSide: number;
  maxBytes: number;
  /** JPEG qualities tried in order until the picture fits `maxBytes`. */
  qualities: number[];
  /**
   * Face-centred square crop: its side is this many times the face box's longer side (the margin
   * keeps hair, chin and ears), and at least `minSide`. Omitted: the whole photo is kept.
   */
  faceCropScale?: number;
}

/**
 * HikCentral: seed 000 "Common requirements" (JPEG or PNG, at least 400×400, at most 2 MB) are its hard rules;
 * community reports (reference §1.8, §4 q4) say ≤200 KB and ~500×500 work, hence the tighter byte default. A crop
 * of 2.2× the face keeps the face at ~45% of the picture, above the vendor's ~40% guidance.
 * ISAPI terminals: JPEG ≤200 KB (reference §2.5, Shaykhnazar/hikvision-isapi); the reference names no minimum
 * resolution for terminals, so none is invented here.
 */
export const TARGET_PROFILES: Record<TargetPhotoProfile['name'], TargetPhotoProfile> = {
  hikcentral: {
    name: 'hikcentral',
    format: 'jpeg',
    minSide: PHOTO_RULES.minResolution.minWidth,
    maxSide: 800,
    maxBytes: 200 * 1024,
    qualities: [90, 82, 75, 65, 55, 45],
    faceCropScale: 2.2,
  },
  isapi: {
    name: 'isapi',
    format: 'jpeg',
    minSide: null,
    maxSide: 640,
    maxBytes: 200 * 1024,
    qualities: [88, 80, 70, 60, 50, 40],
  },
};

/** Seed 000 "Common requirements": HikCentral refuses a face picture above 2 MB whatever a deployment sets. */
export const HIKCENTRAL_MAX_FACE_BYTES = PHOTO_RULES.maxBytes;

export interface ProfileProblem {
  /** The profile setting at fault, so config validation can name its variable. */
  setting: 'minSide' | 'maxSide' | 'maxBytes' | 'faceCropScale' | 'qualities';
  problem: string;
}

/**
 * Why a profile can never be met by a photo that passed intake (an empty list when it can). Config validation
 * refuses such settings at start instead of letting every push fail.
 */
export function unsatisfiableProfile(p: TargetPhotoProfile): ProfileProblem[] {
  const problems: ProfileProblem[] = [];
  const intakeMin = Math.min(PHOTO_RULES.minResolution.minWidth, PHOTO_RULES.minResolution.minHeight);
  if (p.minSide !== null && p.minSide > intakeMin) {
    problems.push({
      setting: 'minSide',
      problem: `minimum side ${p.minSide} is above intake's ${intakeMin}, and renditions are never enlarged`,
    });
  }
  if (p.minSide !== null && p.maxSide < p.minSide) {
    problems.push({ setting: 'maxSide', problem: `${p.maxSide} is below the ${p.minSide} pixels ${p.name} requires` });
  }
  if (p.name === 'hikcentral' && p.maxBytes > HIKCENTRAL_MAX_FACE_BYTES) {
    problems.push({
      setting: 'maxBytes',
      problem: `${p.maxBytes / 1024} KB is above the ${HIKCENTRAL_MAX_FACE_BYTES / 1024} KB HikCentral accepts (seed 000)`,
    });
  }
  if (p.faceCropScale !== undefined && p.faceCropScale < 1) {
    problems.push({
      setting: 'faceCropScale',
      problem: `${p.faceCropScale} would cut into the face (at least 1, or 0 for no crop)`,
    });
  }
  if (p.qualities.length === 0) problems.push({ setting: 'qualities', problem: 'no JPEG quality steps' });
  return problems;
}

/** Everything the photo pipeline is told by the deployment; built from config once. */
export interface PhotoSettings {
  /** `enforce`: face checks run at intake and a failing photo is never pushed; `off`: seed rules only. */
  faceChecks: 'enforce' | 'off';
  face: FaceCheckSettings;
  /** Another person's face closer than this (Euclidean descriptor distance) is flagged as a duplicate. */
  duplicateMaxDistance: number;
  /** `identicas` in the seed's comparison: distance at or below this. */
  matchMaxDistance: number;
  profiles: Record<TargetPhotoProfile['name'], TargetPhotoProfile>;
}

/**
 * 0.45 rather than face-api's customary 0.6: different people among the package's sample faces came
 * as close as 0.47. Both thresholds want calibrating on the institution's own photos.
 */
export const DEFAULT_PHOTO_SETTINGS: PhotoSettings = {
  faceChecks: 'enforce',
  face: DEFAULT_FACE_CHECKS,
  duplicateMaxDistance: 0.45,
  matchMaxDistance: 0.45,
  profiles: TARGET_PROFILES,
};
