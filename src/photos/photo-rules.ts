/**
 * The photo rules of seed 000 ("Common requirements"), each reported on its own so an admin is told
 * exactly what is wrong. Face rules (visible, front-facing) come from the face checks.
 */
export const PHOTO_RULES = {
  minResolution: { minWidth: 400, minHeight: 400 },
  maxBytes: 2 * 1024 * 1024,
} as const;

export type PhotoRuleName = 'format' | 'minResolution' | 'maxBytes';

export interface PhotoRuleResult {
  rule: PhotoRuleName;
  passed: boolean;
  detail: string;
}

export interface PhotoChecks {
  passed: boolean;
  rules: PhotoRuleResult[];
  checkedAt: string;
}

export function checkPhotoRules(photo: { format: string; width: number; height: number; byteSize: number }, now = new Date()): PhotoChecks {
  const { minWidth, minHeight } = PHOTO_RULES.minResolution;
  const rules: PhotoRuleResult[] = [
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
  return { passed: rules.every((r) => r.passed), rules, checkedAt: now.toISOString() };
}

export function failedRulesMessage(checks: PhotoChecks): string {
  return checks.rules
    .filter((r) => !r.passed)
    .map((r) => `${r.rule}: ${r.detail}`)
    .join('; ');
}
