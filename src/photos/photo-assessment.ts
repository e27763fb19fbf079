import { analyseFaces } from './face-analysis';
import { checkFaces } from './face-checks';
import type { FaceMatch } from './face-index';
import type { InspectedPhoto } from './photo-intake';
import { checkPhotoRules, type PhotoChecks, type PhotoRuleResult } from './photo-rules';
import type { PhotoSettings } from './photo-settings';

export interface PhotoAssessment {
  checks: PhotoChecks;
  /** The one face's descriptor, kept for duplicate search; null without exactly one face. */
  descriptor: Float32Array | null;
}

/** Looks for the same face on another person; injected so the search stays with its index. */
export type FindDuplicate = (descriptor: Float32Array) => Promise<FaceMatch | null>;

/**
 * Every check on one inspected photo: the seed's rules, then (when enforced) the face
 * checks and duplicate detection. The result is stored with the photo; `passed` decides whether it
 * may be pushed to any target.
 */
export async function assessPhoto(
  photo: InspectedPhoto,
  settings: PhotoSettings,
  findDuplicate: FindDuplicate,
  now = new Date(),
): Promise<PhotoAssessment> {
  const rules: PhotoRuleResult[] = checkPhotoRules({ format: photo.format, width: photo.width, height: photo.height, byteSize: photo.data.length });
  if (settings.faceChecks === 'off') {
    return { checks: { passed: rules.every((r) => r.passed), rules, checkedAt: now.toISOString(), faceChecks: 'off' }, descriptor: null };
  }
  const analysis = await analyseFaces(photo.data);
  rules.push(...(await checkFaces(analysis, settings.face)));
  const checks: PhotoChecks = { passed: false, rules, checkedAt: now.toISOString(), faceChecks: 'enforced' };
  const face = analysis.faces.length === 1 ? analysis.faces[0] : undefined;
  let descriptor: Float32Array | null = null;
  if (face !== undefined) {
    descriptor = face.descriptor;
    checks.face = {
      x: face.box.x / analysis.width,
      y: face.box.y / analysis.height,
      width: face.box.width / analysis.width,
      height: face.box.height / analysis.height,
    };
    const match = await findDuplicate(face.descriptor);
    if (match !== null) checks.duplicateOf = { ci: match.ci, distance: Math.round(match.distance * 1000) / 1000 };
    rules.push({
      rule: 'duplicateFace',
      passed: match === null,
      detail:
        match === null
          ? 'no other person has this face'
          : `the same face belongs to person ${match.ci} (distance ${match.distance.toFixed(2)}, at most ${settings.duplicateMaxDistance} counts as the same); an admin must review it`,
    });
  }
  checks.passed = rules.every((r) => r.passed);
  return { checks, descriptor };
}

/** An admin decided a flagged duplicate is fine (twins, a re-enrolled person): the check passes, the flag is kept. */
export function approveDuplicate(checks: PhotoChecks, note: string | undefined, now = new Date()): PhotoChecks {
  const rules = checks.rules.map((r) =>
    r.rule === 'duplicateFace' && !r.passed ? { ...r, passed: true, detail: `${r.detail} — approved by an admin` } : r,
  );
  return {
    ...checks,
    rules,
    passed: rules.every((r) => r.passed),
    review: { decision: 'approved', at: now.toISOString(), ...(note !== undefined ? { note } : {}) },
  };
}
