import sharp from 'sharp';
import type { DetectedFace, FaceAnalysis } from './face-analysis';
import { DEFAULT_FACE_CHECKS, type FaceCheckSettings } from './photo-settings';

export { DEFAULT_FACE_CHECKS, type FaceCheckSettings } from './photo-settings';

/** Face checks, each with a reason; thresholds configurable. */
export type FaceCheckName = 'exactlyOneFace' | 'faceSize' | 'frontal' | 'sharpness' | 'exposure';

export interface FaceCheckResult {
  rule: FaceCheckName;
  passed: boolean;
  detail: string;
}

/** Sharpness and brightness of the face region, measured on the pixels the detector saw (no second decode). */
async function faceRegionStats(analysis: FaceAnalysis, face: DetectedFace): Promise<{ sharpness: number; brightness: number }> {
  const left = Math.max(0, Math.floor(face.box.x));
  const top = Math.max(0, Math.floor(face.box.y));
  const width = Math.max(1, Math.min(analysis.width - left, Math.floor(face.box.width)));
  const height = Math.max(1, Math.min(analysis.height - top, Math.floor(face.box.height)));
  const region = await sharp(analysis.rgb, { raw: { width: analysis.width, height: analysis.height, channels: 3 } })
    .extract({ left, top, width, height })
    .greyscale()
    .resize(256, 256, { fit: 'fill' })
    .raw()
    .toBuffer();
  const brightness = region.reduce((s, v) => s + v, 0) / region.length;
  const lap = await sharp(region, { raw: { width: 256, height: 256, channels: 1 } })
    .convolve({ width: 3, height: 3, kernel: [0, 1, 0, 1, -4, 1, 0, 1, 0], offset: 128 })
    .raw()
    .toBuffer();
  const mean = lap.reduce((s, v) => s + v, 0) / lap.length;
  const sharpness = lap.reduce((s, v) => s + (v - mean) ** 2, 0) / lap.length;
  return { sharpness, brightness };
}

export async function checkFaces(analysis: FaceAnalysis, s: FaceCheckSettings = DEFAULT_FACE_CHECKS): Promise<FaceCheckResult[]> {
  const n = analysis.faces.length;
  const one: FaceCheckResult = {
    rule: 'exactlyOneFace',
    passed: n === 1,
    detail: n === 0 ? 'no face found' : n === 1 ? 'one face' : `${n} faces found; the photo must show only the person`,
  };
  const face = analysis.faces.length === 1 ? analysis.faces[0] : undefined;
  if (face === undefined) return [one];
  const share = Math.max(face.box.width, face.box.height) / Math.min(analysis.width, analysis.height);
  const { yaw, roll, pitch } = face.pose;
  const stats = await faceRegionStats(analysis, face);
  return [
    one,
    {
      rule: 'faceSize',
      passed: share >= s.minFaceShare,
      detail: `face is ${(share * 100).toFixed(0)}% of the short side, at least ${(s.minFaceShare * 100).toFixed(0)}% required`,
    },
    {
      rule: 'frontal',
      passed: Math.abs(yaw) <= s.maxYawDeg && Math.abs(roll) <= s.maxRollDeg,
      detail: `yaw ${yaw.toFixed(0)}°, roll ${roll.toFixed(0)}° (pitch ${pitch.toFixed(0)}°, not judged); at most ±${s.maxYawDeg}°/±${s.maxRollDeg}°`,
    },
    {
      rule: 'sharpness',
      passed: stats.sharpness >= s.minSharpness,
      detail: `sharpness ${stats.sharpness.toFixed(0)}, at least ${s.minSharpness} required`,
    },
    {
      rule: 'exposure',
      passed: stats.brightness >= s.minBrightness && stats.brightness <= s.maxBrightness,
      detail: `face brightness ${stats.brightness.toFixed(0)}, between ${s.minBrightness} and ${s.maxBrightness} required`,
    },
  ];
}
