import { patched } from '@temporalio/workflow';
import { FailureType, Patches, type SyncPersonInput, type SyncPersonResult } from '../../contracts';
import { dbWork, targetCall } from '../activity-profiles';
import { failureInfo } from '../failure-info';

/** `syncPerson(ci)`: one person on demand → the classified outcome (never throws for a classified failure). */
export async function syncPerson(input: SyncPersonInput): Promise<SyncPersonResult> {
  let result: SyncPersonResult;
  try {
    result = await targetCall.syncPerson(input);
  } catch (err) {
    const f = failureInfo(err);
    const outcome = f.type === FailureType.PhotoRejected ? 'photoRejected' : 'failed';
    if (f.type === FailureType.TargetBusy || f.type === FailureType.TargetTransient) {
      // Retries exhausted: the activity could not record it, so the workflow does.
      await dbWork.recordPersonOutcome({ runId: input.runId, ci: input.ci, outcome, code: f.code, message: f.message });
    }
    return { ci: input.ci, outcome, action: 'error', code: f.code, message: f.message };
  }
  // Access-level membership only reaches the doors once HikCentral applies it (reference §1.5).
  if (result.joinedPrivilegeGroups === true && patched(Patches.applyWhenGroupsJoined)) {
    await targetCall.applyHikCentralChanges();
  }
  return result;
}
