import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { randomBytes } from 'node:crypto';
import { Photo, PhotoRendition } from '../../src/db/entities';
import { renditionFor } from '../../src/db/repositories/photos/rendition-cache';
import { TARGET_PROFILES, faceCropRegion, profileKey, renderForTarget } from '../../src/photos/target-profiles';
import { startServices, type Services } from '../helpers/services';
import { addPeople, setPhoto } from '../helpers/people';

describe('per-target photo renditions (real PostgreSQL)', () => {
  let s: Services;
  beforeAll(async () => {
    s = await startServices();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('should fit a 12-megapixel photo into the HikCentral profile: JPEG, long side ≤ 800, ≤ 200 KB', async () => {
    const big = await sharp(randomBytes(4000 * 3000 * 3), { raw: { width: 4000, height: 3000, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
    const r = await renderForTarget(big, TARGET_PROFILES.hikcentral);
    const meta = await sharp(r.data).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width!, meta.height!)).toBe(800);
    expect(r.data.length).toBeLessThanOrEqual(200 * 1024);
  });

  it('should never enlarge a small photo', async () => {
    const small = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#345' } }).png().toBuffer();
    const r = await renderForTarget(small, TARGET_PROFILES.isapi);
    expect([r.width, r.height]).toEqual([300, 200]);
  });

  it('should render once per (photo version, profile) and serve the cached bytes after that', async () => {
    const [p] = await addPeople(s.orm, 'Renditions', 1);
    const em = s.orm.em.fork();
    const photo = await em.findOneOrFail(Photo, { person: { ci: p!.ci } }, { populate: ['data'] as never });
    const first = await renditionFor(em, photo, TARGET_PROFILES.hikcentral);
    const row = await s.orm.em.fork().findOneOrFail(PhotoRendition, { photo: photo.id, profile: profileKey(TARGET_PROFILES.hikcentral) });
    const second = await renditionFor(s.orm.em.fork(), photo, TARGET_PROFILES.hikcentral);
    expect(second.equals(first)).toBe(true);
    const rows = await s.orm.em.fork().find(PhotoRendition, { photo: photo.id });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.createdAt.getTime()).toBe(row.createdAt.getTime());

    // Another profile is another rendition; a new photo version starts over.
    await renditionFor(s.orm.em.fork(), photo, TARGET_PROFILES.isapi);
    expect(await s.orm.em.fork().count(PhotoRendition, { photo: photo.id })).toBe(2);
    await setPhoto(s.orm, p!.ci, await sharp({ create: { width: 640, height: 640, channels: 3, background: '#a52' } }).jpeg().toBuffer());
    const newer = await s.orm.em.fork().findOneOrFail(Photo, { person: { ci: p!.ci }, id: { $ne: photo.id } }, { populate: ['data'] as never });
    await renditionFor(s.orm.em.fork(), newer, TARGET_PROFILES.hikcentral);
    expect(await s.orm.em.fork().count(PhotoRendition, { photo: newer.id })).toBe(1);
  });

  it('should give a different cache key when a profile setting changes', () => {
    expect(profileKey({ ...TARGET_PROFILES.hikcentral, maxBytes: 100 * 1024 })).not.toBe(profileKey(TARGET_PROFILES.hikcentral));
  });

  it('should crop a square of 2.2× the face around it, sliding inward at an edge rather than cutting the margin', () => {
    const image = { width: 1000, height: 800 };
    const centred = faceCropRegion({ x: 0.4, y: 0.35, width: 0.2, height: 0.25 }, image, 2.2);
    expect(centred.width).toBe(centred.height);
    expect(centred.width).toBe(440);
    expect(centred.left + centred.width / 2).toBeCloseTo(500, 0);
    const nearEdge = faceCropRegion({ x: 0.0, y: 0.0, width: 0.2, height: 0.25 }, image, 2.2);
    expect(nearEdge).toEqual({ left: 0, top: 0, width: 440, height: 440 });
    const huge = faceCropRegion({ x: 0.1, y: 0.1, width: 0.8, height: 0.9 }, image, 2.2);
    expect(huge.width).toBe(800);
    expect(profileKey({ ...TARGET_PROFILES.hikcentral, faceCropScale: undefined })).not.toBe(profileKey(TARGET_PROFILES.hikcentral));
  });
});

