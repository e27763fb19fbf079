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

/** The checks that need only the photo (rules, faces), before the duplicate search; no lock is held for these. */
export interface PhotoExamination {
  checks: PhotoChecks;
  /** The one face's descriptor; null without exactly one face (or with face checks off: nothing to search). */
  descriptor: Float32Array | null;
}

/**
 * Every check on one inspected photo: the seed's rules, then (when enforced) the face checks and duplicate
 * detection. The result is stored with the photo; `passed` decides whether it may be pushed to any target.
 */
export async function assessPhoto(photo: InspectedPhoto, settings: PhotoSettings, findDuplicate: FindDuplicate, now = new Date()): Promise<PhotoAssessment> {
  return completeAssessment(await examinePhoto(photo, settings, now), settings, findDuplicate);
}

/** The CPU-heavy half of the assessment (decode, detect, describe): it reads no shared state. */
export async function examinePhoto(photo: InspectedPhoto, settings: PhotoSettings, now = new Date()): Promise<PhotoExamination> {
  const rules: PhotoRuleResult[] = checkPhotoRules({ format: photo.format, width: photo.width, height: photo.height, byteSize: photo.data.length });
  if (settings.faceChecks === 'off') {
    return { checks: { passed: rules.every((r) => r.passed), rules, checkedAt: now.toISOString(), faceChecks: 'off' }, descriptor: null };
  }
  const analysis = await analyseFaces(photo.data);
  rules.push(...(await checkFaces(analysis, settings.face)));
  const checks: PhotoChecks = { passed: rules.every((r) => r.passed), rules, checkedAt: now.toISOString(), faceChecks: 'enforced' };
  const face = analysis.faces.length === 1 ? analysis.faces[0] : undefined;
  if (face === undefined) return { checks, descriptor: null };
  checks.face = {
    x: face.box.x / analysis.width,
    y: face.box.y / analysis.height,
    width: face.box.width / analysis.width,
    height: face.box.height / analysis.height,
  };
  return { checks, descriptor: face.descriptor };
}

/**
 * The other half: the search for the same face on another person. Callers that store the photo run it under the
 * face-index lock, so that two photos of one face arriving at once in two processes cannot both pass.
 */
export async function completeAssessment(exam: PhotoExamination, settings: PhotoSettings, findDuplicate: FindDuplicate): Promise<PhotoAssessment> {
  if (exam.descriptor === null) return { checks: exam.checks, descriptor: null };
  const match = await findDuplicate(exam.descriptor);
  const checks: PhotoChecks = { ...exam.checks, rules: [...exam.checks.rules] };
  if (match !== null) checks.duplicateOf = { ci: match.ci, distance: Math.round(match.distance * 1000) / 1000 };
  checks.rules.push({
    rule: 'duplicateFace',
    passed: match === null,
    detail:
      match === null
        ? 'no other person has this face'
        : `the same face belongs to person ${match.ci} (distance ${match.distance.toFixed(2)}, at most ${settings.duplicateMaxDistance} counts as the same); an admin must review it`,
  });
  checks.passed = checks.rules.every((r) => r.passed);
  return { checks, descriptor: exam.descriptor };
}
