/** Failure types and search attributes shared by every family's processes. */
import { defineSearchAttributeKey } from '@temporalio/common';

/** Failure types raised by activities; workflows branch on them (STYLE §8). */
export const FailureType = {
  /** HikCentral refused the face picture; retrying the same photo cannot help. */
  PhotoRejected: 'PhotoRejected',
  /** Overloaded: 429, busy codes. The bulk run pauses itself instead of hammering. */
  TargetBusy: 'TargetBusy',
  /** 5xx, timeouts, resets: worth retrying with backoff. */
  TargetTransient: 'TargetTransient',
  /** Bad signature, no permission, bad parameters: a person or a configuration to fix. */
  TargetPermanent: 'TargetPermanent',
  /** The person (or their photo) is not in gatesync's database. */
  PersonNotFound: 'PersonNotFound',
  NoPhoto: 'NoPhoto',
  /** A photo dump that cannot be imported at all (corrupt zip, entry outside its folder, folder gone). */
  ImportSourceInvalid: 'ImportSourceInvalid',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

export const SearchAttributes = {
  career: defineSearchAttributeKey('GatesyncCareer', 'KEYWORD'),
  state: defineSearchAttributeKey('GatesyncState', 'KEYWORD'),
  kind: defineSearchAttributeKey('GatesyncKind', 'KEYWORD'),
} as const;
export const SEARCH_ATTRIBUTE_KEYS = Object.values(SearchAttributes);

