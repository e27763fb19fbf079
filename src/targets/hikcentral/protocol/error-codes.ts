/**
 * Code the simulator uses for a rejected face picture. Invented: no public source shows HCP's real code
 * (reference §1.7, §4 q3). The 0x1f… prefix is outside every documented code family so it cannot be mistaken
 * for a real one. Operators add the live code via `photoRejectedCodes` once captured.
 */
export const SIMULATOR_PHOTO_REJECTED_CODE = '0x1f000001';
