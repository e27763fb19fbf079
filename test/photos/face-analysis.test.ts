import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { analyseFaces, descriptorDistance, type DetectedFace } from '../../src/photos/face-analysis';
import { samplePhoto } from '../helpers/faces';


/** A square crop around one face, with margin, from a sample photo. */
async function cropFace(photo: Buffer, face: DetectedFace, analysedWidth: number): Promise<Buffer> {
  const meta = await sharp(photo).metadata();
  const k = (meta.width as number) / analysedWidth;
  const side = Math.round(Math.max(face.box.width, face.box.height) * k * 2.2);
  const cx = (face.box.x + face.box.width / 2) * k;
  const cy = (face.box.y + face.box.height / 2) * k;
  const left = Math.max(0, Math.min((meta.width as number) - side, Math.round(cx - side / 2)));
  const top = Math.max(0, Math.min((meta.height as number) - side, Math.round(cy - side / 2)));
  return sharp(photo).extract({ left, top, width: side, height: side }).resize(600, 600).jpeg().toBuffer();
}

describe('face analysis (face-api on tfjs WASM, models from the npm package, offline)', () => {
  it('should find every face of a group photo, with landmarks and 128-d descriptors', async () => {
    const a = await analyseFaces(samplePhoto(1));
    expect(a.faces.length).toBeGreaterThanOrEqual(3);
    for (const f of a.faces) {
      expect(f.landmarks).toHaveLength(68);
      expect(f.descriptor).toHaveLength(128);
      expect(f.score).toBeGreaterThan(0.5);
    }
  }, 60_000);

  it('should find no face in a plain picture', async () => {
    const plain = await sharp({ create: { width: 600, height: 600, channels: 3, background: '#c08060' } }).jpeg().toBuffer();
    expect((await analyseFaces(plain)).faces).toHaveLength(0);
  }, 60_000);

  it('given a crop of one face, should find one face that stays close to itself and far from the others', async () => {
    const photo = samplePhoto(1);
    const group = await analyseFaces(photo);
    const [first, ...others] = [...group.faces].sort((p, q) => q.box.width - p.box.width);
    const crop = await analyseFaces(await cropFace(photo, first!, group.width));
    expect(crop.faces).toHaveLength(1);
    const same = descriptorDistance(crop.faces[0]!.descriptor, first!.descriptor);
    const nearestOther = Math.min(...others.map((o) => descriptorDistance(crop.faces[0]!.descriptor, o.descriptor)));
    expect(same).toBeLessThan(0.35);
    expect(nearestOther).toBeGreaterThan(same + 0.1);
  }, 60_000);

  it('should see a mirrored face turn the other way and a rotated face roll', async () => {
    const photo = samplePhoto(1);
    const group = await analyseFaces(photo);
    const face = [...group.faces].sort((p, q) => Math.abs(q.pose.yaw) - Math.abs(p.pose.yaw))[0]!;
    const crop = await cropFace(photo, face, group.width);
    const straight = (await analyseFaces(crop)).faces[0]!;
    const mirrored = (await analyseFaces(await sharp(crop).flop().toBuffer())).faces[0]!;
    expect(Math.sign(mirrored.pose.yaw)).toBe(-Math.sign(straight.pose.yaw));
    expect(Math.abs(mirrored.pose.yaw + straight.pose.yaw)).toBeLessThan(10);
    const rotated = (await analyseFaces(await sharp(crop).rotate(20, { background: '#808080' }).resize(600, 600).toBuffer())).faces[0]!;
    expect(Math.abs(rotated.pose.roll - straight.pose.roll)).toBeGreaterThan(10);
  }, 60_000);
});
