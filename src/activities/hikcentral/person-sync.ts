import { ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { HikCentralClient } from '../../targets/hikcentral/client/client';
import { HikCentralError } from '../../targets/hikcentral/client/errors';
import { toHcpTime } from '../../targets/hikcentral/client/client';
import { HikCentralPersonState, Person, Photo, type SyncOutcomeKind } from '../../db/entities';
import { renditionFor } from '../../db/repositories/photos/rendition-cache';
import type { TargetPhotoProfile } from '../../photos/target-profiles';
import { failedRulesMessage } from '../../photos/photo-rules';
import { PHOTO_RENDITION_FAILED, RenditionError } from '../../photos/rendition-error';
import type { SyncPersonResult } from '../../contracts';

export interface HikCentralSyncSettings {
  orgIndexCode: string;
  validityDays: number;
  privilegeGroupIds: string[];
  /** How HikCentral wants the face (target-profiles.ts). */
  photoProfile: TargetPhotoProfile;
}

/** gatesync's own code for a photo stopped by its checks before reaching any target. */
export const PHOTO_CHECKS_FAILED = 'PHOTO_CHECKS_FAILED';

/** The pacing guard never holds a call longer than this, whatever the clocks say. */
const MAX_PACING_GUARD_MS = 100;

export class PersonSyncError extends Error {
  constructor(
    readonly kind: 'personNotFound' | 'noPhoto',
    message: string,
  ) {
    super(message);
    this.name = 'PersonSyncError';
  }
}

/**
 * One person's sync, per seed 001: look up by personCode; absent → add with the face and the photo
 * version in `remark`; present → keep its personId, update details if they changed, and update the
 * face (and remark) when `remark` differs from the current photo version. "Already exists" on add is
 * reconciled by a lookup, never reported as a failure. Reads before every write, so a retried call
 * after a crash never adds twice (STYLE §9).
 *
 * Returns classified outcomes; throws HikCentralError for transient/permanent answers (the activity
 * layer maps those to ApplicationFailure) after recording the permanent ones.
 */
export async function syncPersonToHikCentral(
  em: EntityManager,
  client: HikCentralClient,
  settings: HikCentralSyncSettings,
  ci: string,
  notBeforeMs?: number,
): Promise<SyncPersonResult> {
  const person = await em.findOne(Person, { ci });
  if (person === null) throw new PersonSyncError('personNotFound', `no person with ci ${ci}`);
  if (person.photoVersion === null || person.photoVersion === undefined) {
    throw new PersonSyncError('noPhoto', `person ${ci} has no photo`);
  }
  // Bytes are not loaded here: the target's rendition is usually cached (renditionFor loads them if not).
  const photo = await em.findOne(Photo, { person, version: person.photoVersion });
  if (photo === null) throw new PersonSyncError('noPhoto', `photo ${person.photoVersion} of ${ci} is missing`);
  // A photo that failed a check is never pushed: reported as rejected, HikCentral untouched.
  const rejectedByChecks = photo.checksPassed === false;

  const state = (await em.findOne(HikCentralPersonState, { person })) ?? new HikCentralPersonState(ref(person));
  em.persist(state);
  const version = person.photoVersion;
  const familyName = person.familyNames;

  let joined = false;
  const timing: { requestStartedAtMs?: number; pacingHeldMs: number } = { pacingHeldMs: 0 };
  const record = async (outcome: SyncOutcomeKind, result: Omit<SyncPersonResult, 'ci' | 'outcome'>): Promise<SyncPersonResult> => {
    state.lastResult = outcome;
    state.lastCode = result.code;
    state.lastMessage = result.message;
    if (result.hikPersonId !== undefined) state.hikPersonId = result.hikPersonId;
    if (outcome === 'synced' || outcome === 'alreadyRegistered') {
      state.syncedPhotoVersion = version;
      state.syncedAt = new Date();
    }
    await em.flush();
    return { ci, outcome, ...result, ...timing, joinedPrivilegeGroups: joined };
  };

  if (rejectedByChecks) {
    return record('photoRejected', {
      action: 'rejected',
      code: PHOTO_CHECKS_FAILED,
      message: photo.checks ? failedRulesMessage(photo.checks) : 'the photo failed its checks',
    });
  }
  const readyAt = Date.now();
  if (notBeforeMs !== undefined) {
    const early = Math.min(MAX_PACING_GUARD_MS, notBeforeMs - readyAt);
    if (early > 0) await new Promise((r) => setTimeout(r, early));
  }
  timing.requestStartedAtMs = Date.now();
  timing.pacingHeldMs = timing.requestStartedAtMs - readyAt;
  try {
    let existing = await client.findPersonByCode(ci);
    if (existing === null) {
      const faceData = (await renditionFor(em, photo, settings.photoProfile)).toString('base64');
      const now = new Date();
      try {
        const hikPersonId = await client.addPerson({
          personCode: ci,
          personGivenName: person.givenName,
          personFamilyName: familyName,
          orgIndexCode: settings.orgIndexCode,
          beginTime: toHcpTime(now),
          endTime: toHcpTime(new Date(now.getTime() + settings.validityDays * 86_400_000)),
          remark: version,
          gender: 0,
          faceData,
        });
        joined = await joinPrivilegeGroups(client, settings, hikPersonId);
        return await record('synced', { action: 'added', hikPersonId, code: '0', message: 'Success' });
      } catch (e) {
        if (!(e instanceof HikCentralError && e.kind === 'alreadyExists')) throw e;
        // 131 on add: someone else added it between our lookup and our add — reconcile.
        existing = await client.findPersonByCode(ci);
        if (existing === null) throw e;
      }
    }

    const hikPersonId = existing.personId;
    let action: SyncPersonResult['action'] = 'none';
    const detailsChanged = existing.personGivenName !== person.givenName || existing.personFamilyName !== familyName;
    const photoChanged = existing.remark !== version;
    if (photoChanged) {
      const faceData = (await renditionFor(em, photo, settings.photoProfile)).toString('base64');
      await client.updateFace(hikPersonId, faceData);
      action = 'faceUpdated';
    }
    if (detailsChanged || photoChanged) {
      await client.updatePerson({
        personId: hikPersonId,
        personGivenName: person.givenName,
        personFamilyName: familyName,
        remark: version,
      });
      if (action === 'none') action = 'updated';
    }
    joined = await joinPrivilegeGroups(client, settings, hikPersonId);
    if (action === 'none') {
      return await record('alreadyRegistered', { action, hikPersonId, code: '131', message: 'already registered and up to date' });
    }
    return await record('synced', { action, hikPersonId, code: '0', message: 'Success' });
  } catch (e) {
    // No rendition of this photo meets HikCentral's rules: the photo's problem, reported before HikCentral sees it.
    if (e instanceof RenditionError) {
      return await record('photoRejected', { action: 'rejected', code: PHOTO_RENDITION_FAILED, message: e.message });
    }
    if (e instanceof HikCentralError && e.kind === 'photoRejected') {
      return await record('photoRejected', { action: 'rejected', code: e.code, message: e.hcpMessage });
    }
    if (e instanceof HikCentralError && e.kind === 'permanent') {
      await record('failed', { action: 'error', code: e.code, message: e.hcpMessage });
    }
    throw e;
  }
}

/** Adds the person to every configured access level; true when there was any to join. */
async function joinPrivilegeGroups(client: HikCentralClient, settings: HikCentralSyncSettings, hikPersonId: string): Promise<boolean> {
  for (const groupId of settings.privilegeGroupIds) {
    await client.addPersonsToPrivilegeGroup(groupId, [hikPersonId]);
  }
  return settings.privilegeGroupIds.length > 0;
}
