import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadConfig } from '../../src/config';
import { assessPhoto } from '../../src/photos/photo-assessment';
import { inspectPhoto } from '../../src/photos/photo-intake';
import type { FaceBox, PhotoChecks } from '../../src/photos/photo-rules';
import { DEFAULT_PHOTO_SETTINGS, TARGET_PROFILES, type TargetPhotoProfile } from '../../src/photos/photo-settings';
import { RenditionError } from '../../src/photos/rendition-error';
import { faceCropRegion, renderForTarget, renditionRegion } from '../../src/photos/target-profiles';
import { faceAtLeftEdge, faceFillingFrame400, smallFacePortrait400 } from '../helpers/faces';
import { noiseJpeg } from '../helpers/people';

/** Intake as the API and the import run it: stored bytes, every check, and the face box kept for the crop. */
async function intake(
  bytes: Buffer,
  faceChecks: 'enforce' | 'off' = 'enforce',
): Promise<{ data: Buffer; width: number; height: number; checks: PhotoChecks }> {
  const photo = await inspectPhoto(bytes);
  const { checks } = await assessPhoto(photo, { ...DEFAULT_PHOTO_SETTINGS, faceChecks }, () => Promise.resolve(null));
  return { data: photo.data, width: photo.width, height: photo.height, checks };
}

const profilesOf = (env: NodeJS.ProcessEnv) => Object.values(loadConfig(env).photos.settings.profiles);

const named = (label: string, env: NodeJS.ProcessEnv): Array<[string, TargetPhotoProfile]> =>
  profilesOf(env).map((p) => [`${p.name}${label}`, p]);

/** The defaults and settings at their edges: each must hold for every photo intake accepts. */
const PROFILES: Array<[string, TargetPhotoProfile]> = [
  ...named(' (defaults)', {}),
  ...named(', max side 400', { PHOTO_HIKCENTRAL_MAX_SIDE: '400', PHOTO_ISAPI_MAX_SIDE: '400' }),
  ['hikcentral, no face crop', loadConfig({ PHOTO_HIKCENTRAL_FACE_CROP: '0' }).photos.settings.profiles.hikcentral],
];

/**
 * A tight byte limit is met by stepping quality and size down, which works for photographs; random pixels at the
 * smallest size and lowest quality still take ~60–130 KB, so with such limits pure detail is refused (the test
 * below), and these profiles are held to real faces only.
 */
const TIGHT_PROFILES: Array<[string, TargetPhotoProfile]> = named(', 20 KB', {
  PHOTO_HIKCENTRAL_MAX_KB: '20',
  PHOTO_ISAPI_MAX_KB: '20',
});

/** The rules read back from the bytes themselves, not from what the renderer says it made. */
async function expectWithinRules(data: Buffer, p: TargetPhotoProfile): Promise<void> {
  const m = await sharp(data).metadata();
  const [w, h] = [m.width ?? 0, m.height ?? 0];
  expect(m.format, p.name).toBe(p.format);
  expect(Math.max(w, h), `${p.name} long side of ${w}×${h}`).toBeLessThanOrEqual(p.maxSide);
  if (p.minSide !== null) expect(Math.min(w, h), `${p.name} short side of ${w}×${h}`).toBeGreaterThanOrEqual(p.minSide);
  expect(data.length, `${p.name} bytes`).toBeLessThanOrEqual(p.maxBytes);
}

/** A face box as the detector would give it, for the pictures that have no real face in them. */
const CENTRED_FACE: FaceBox = { x: 0.3, y: 0.3, width: 0.4, height: 0.4 };

type BoundaryPhoto = {
  data: Buffer;
  width: number;
  height: number;
  checks: PhotoChecks;
  face?: FaceBox;
  realFace: boolean;
};

const BOUNDARY_PHOTOS: Array<[string, () => Promise<BoundaryPhoto>]> = [
  ['exactly 400×400 with a small centred face', async () => withFace(await intake(await smallFacePortrait400()))],
  ['a face filling a 400×400 frame', async () => withFace(await intake(await faceFillingFrame400()))],
  ['a face at the left edge', async () => withFace(await intake(await faceAtLeftEdge()))],
  [
    '800×800 of pure detail, a face box in the middle',
    async () => ({ ...(await intake(await noiseJpeg(800, 800), 'off')), face: CENTRED_FACE, realFace: false }),
  ],
  [
    '1200×1200 of pure detail (over 1 MB stored)',
    async () => ({ ...(await intake(await noiseJpeg(1200, 1200), 'off')), face: CENTRED_FACE, realFace: false }),
  ],
  [
    'a 1200×400 panorama of pure detail, no face known',
    async () => ({ ...(await intake(await noiseJpeg(1200, 400), 'off')), realFace: false }),
  ],
];

function withFace(p: { data: Buffer; width: number; height: number; checks: PhotoChecks }) {
  // Every one of these passed intake, face checks included: that is the promise under test.
  expect(p.checks.passed, JSON.stringify(p.checks.rules.filter((r) => !r.passed))).toBe(true);
  expect(p.checks.face).toBeDefined();
  return { ...p, face: p.checks.face, realFace: true };
}

describe('target renditions meet their profile’s rules for every photo intake accepts (real faces at the boundary)', () => {
  it.each(BOUNDARY_PHOTOS)(
    'given %s, should render within every profile’s size, bytes and format',
    async (_name, make) => {
      const photo = await make();
      expect(photo.checks.passed).toBe(true);
      for (const [label, profile] of photo.realFace ? [...PROFILES, ...TIGHT_PROFILES] : PROFILES) {
        const r = await renderForTarget(photo.data, profile, photo.face).catch((e: unknown) => {
          throw new Error(`${label}: ${(e as Error).message}`);
        });
        await expectWithinRules(r.data, profile);
      }
    },
  );

  it('given exactly 400×400 with a face whose 2.2× square is under 400 px, should grow the HikCentral square to the whole 400×400', async () => {
    const photo = await intake(await smallFacePortrait400());
    const face = withFace(photo).face as FaceBox;
    // The premise: the crop the profile asks for is smaller than HikCentral's minimum.
    expect(Math.round(Math.max(face.width * 400, face.height * 400) * 2.2)).toBeLessThan(400);
    const r = await renderForTarget(photo.data, TARGET_PROFILES.hikcentral, face);
    expect([r.width, r.height]).toEqual([400, 400]);
  });

  it('given a face filling the frame, should keep the whole frame', async () => {
    const photo = withFace(await intake(await faceFillingFrame400()));
    expect(renditionRegion(photo, TARGET_PROFILES.hikcentral, photo.face)).toEqual({
      left: 0,
      top: 0,
      width: 400,
      height: 400,
    });
  });

  it('given a face at the edge, should slide the square inward, keeping the face and the minimum side', async () => {
    const photo = withFace(await intake(await faceAtLeftEdge()));
    const face = photo.face as FaceBox;
    const region = renditionRegion(photo, TARGET_PROFILES.hikcentral, face);
    expect(region).toMatchObject({ left: 0, top: 0, width: 400, height: 400 });
    expect(face.x * photo.width + face.width * photo.width).toBeLessThanOrEqual(region.left + region.width);
    // A small face near a corner of a large photo: the minimum-side square still fits inside.
    expect(faceCropRegion({ x: 0.9, y: 0.9, width: 0.1, height: 0.1 }, { width: 1000, height: 800 }, 2.2, 400)).toEqual(
      {
        left: 600,
        top: 400,
        width: 400,
        height: 400,
      },
    );
  });

  it('given pure detail that is over the byte limit at full size and lowest quality, should step the size down instead of sending it over', async () => {
    const photo = await intake(await noiseJpeg(800, 800), 'off');
    // A face so large that its square is the whole 800×800 frame: no resize to the 800 maximum side either.
    const face = { x: 0.25, y: 0.25, width: 0.5, height: 0.5 };
    expect(renditionRegion(photo, TARGET_PROFILES.hikcentral, face)).toEqual({
      left: 0,
      top: 0,
      width: 800,
      height: 800,
    });
    const full = await sharp(photo.data)
      .jpeg({ quality: Math.min(...TARGET_PROFILES.hikcentral.qualities) })
      .toBuffer();
    // The premise: no quality step alone brings this picture under 200 KB.
    expect(full.length).toBeGreaterThan(TARGET_PROFILES.hikcentral.maxBytes);
    const r = await renderForTarget(photo.data, TARGET_PROFILES.hikcentral, face);
    expect(r.width).toBeLessThan(800);
    await expectWithinRules(r.data, TARGET_PROFILES.hikcentral);
  });

  it('given a stored photo below HikCentral’s minimum, should refuse with the rule it breaks instead of rendering it', async () => {
    const small = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#456' } })
      .jpeg()
      .toBuffer();
    const err = await renderForTarget(small, TARGET_PROFILES.hikcentral).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RenditionError);
    expect((err as RenditionError).message).toMatch(/300×300 is below 400×400/);
    // Terminals name no minimum: the same photo is fine there.
    await expectWithinRules((await renderForTarget(small, TARGET_PROFILES.isapi)).data, TARGET_PROFILES.isapi);
  });

  it('given a byte limit no size and quality can meet, should refuse with the bytes instead of sending the picture over it', async () => {
    const photo = await intake(await noiseJpeg(800, 800), 'off');
    const tiny = { ...TARGET_PROFILES.hikcentral, maxBytes: 10 * 1024 };
    const err = await renderForTarget(photo.data, tiny, CENTRED_FACE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RenditionError);
    expect((err as RenditionError).message).toMatch(/KB is above 10 KB/);
  });
});
