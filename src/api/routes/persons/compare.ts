import type { ApiDeps } from '../../deps';
import { temporalOf } from '../../temporal-of';
import { notFound } from '../../http-errors';
import { startPersonPhotoComparison } from '../../../temporal-client/photos';
import { waitForWorkflow } from '../../workflow-wait';

export type PersonComparison =
  | { ci: string; identical: boolean; similarityPercent: number; distance: number }
  | { ci: string; error: string };

/**
 * The records photo against the one HikCentral holds (`picture_data`), face descriptor against descriptor. A photos
 * worker compares them (the API decodes no image); this waits for its verdict.
 */
export async function comparePerson(deps: ApiDeps, ci: string): Promise<PersonComparison> {
  const handle = await startPersonPhotoComparison(temporalOf(deps), ci);
  const r = await waitForWorkflow(handle.result(), deps.photoIntakeTimeoutMs ?? 60_000, handle.workflowId, 'the comparison is still running');
  switch (r.outcome) {
    case 'noRecordsPhoto':
      throw notFound(`photo of ${ci}`);
    case 'noTargetPhoto':
      throw notFound(`HikCentral photo of ${ci}`);
    case 'noUsableFace':
      return { ci, error: r.error };
    case 'compared':
      return { ci, identical: r.identical, similarityPercent: r.similarityPercent, distance: r.distance };
  }
}

/** Seed 000's shape: `{ identicas, similitud: "95.5%" }`, or `{ identicas: false, error }` without a usable face. */
export function seedComparison(c: PersonComparison): { identicas: boolean; similitud?: string; error?: string } {
  if ('error' in c) return { identicas: false, error: c.error };
  return { identicas: c.identical, similitud: `${c.similarityPercent.toFixed(1)}%` };
}
