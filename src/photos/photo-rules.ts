/**
 * The photo rules of seed 000 ("Common requirements"), each reported on its own so an admin is told
 * exactly what is wrong. Face rules (visible, front-facing) come from the face checks.
 */
export const PHOTO_RULES = {
  minResolution: { minWidth: 400, minHeight: 400 },
  maxBytes: 2 * 1024 * 1024,
} as const;

/** One check with its reason code (`rule`) and a sentence an admin can act on. */
export interface PhotoRuleResult {
  rule: string;
  passed: boolean;
  detail: string;
}

/** Where the face is in the stored photo, as fractions of its width and height. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PhotoChecks {
  passed: boolean;
  /** Seed rules, then the face checks, then duplicate detection — each with its reason. */
  rules: PhotoRuleResult[];
  checkedAt: string;
  /** `off` when the deployment does not run face checks (PHOTO_FACE_CHECKS=off); absent on old rows. */
  faceChecks?: 'enforced' | 'off';
  /** The one face found, used for face-centred crops. */
  face?: FaceBox;
  /** Another person whose stored face is this face (duplicate detection), kept for the admin. */
  duplicateOf?: { ci: string; distance: number };
  /** An admin's decision on a flagged duplicate. */
  review?: { decision: 'approved'; at: string; note?: string };
}

export function checkPhotoRules(photo: { format: string; width: number; height: number; byteSize: number }): PhotoRuleResult[] {
  const { minWidth, minHeight } = PHOTO_RULES.minResolution;
  return [
    {
      rule: 'format',
      passed: photo.format === 'jpeg' || photo.format === 'png' || photo.format === 'webp',
      detail: `stored as ${photo.format}; sent to targets as JPEG`,
    },
    {
      rule: 'minResolution',
      passed: photo.width >= minWidth && photo.height >= minHeight,
      detail: `${photo.width}×${photo.height}, at least ${minWidth}×${minHeight} required`,
    },
    {
      rule: 'maxBytes',
      passed: photo.byteSize <= PHOTO_RULES.maxBytes,
      detail: `${(photo.byteSize / 1024).toFixed(0)} KB stored, at most ${PHOTO_RULES.maxBytes / 1024 / 1024} MB allowed`,
    },
  ];
}

export function failedRulesMessage(checks: PhotoChecks): string {
  return checks.rules
    .filter((r) => !r.passed)
    .map((r) => `${r.rule}: ${r.detail}`)
    .join('; ');
}
