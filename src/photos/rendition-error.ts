import type { TargetPhotoProfile } from './photo-settings';

/**
 * A photo whose rendition for a target cannot meet that target's rules (size, bytes, format). Permanent for this
 * photo version and profile: the sync reports it as the photo's problem and never sends the picture.
 */
export class RenditionError extends Error {
  constructor(
    readonly profile: TargetPhotoProfile['name'],
    readonly problems: string[],
  ) {
    super(`the ${profile} rendition cannot meet the target's rules: ${problems.join('; ')}`);
    this.name = 'RenditionError';
  }
}

/** The reason code syncs record for a rendition that could not meet its target's rules. */
export const PHOTO_RENDITION_FAILED = 'PHOTO_RENDITION_FAILED';
