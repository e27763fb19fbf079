import type { PhotoChecks } from './photo-rules';

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
