/**
 * Head pose from the 68 iBUG landmarks: a scaled-orthographic fit of six points (nose tip, chin,
 * outer eye corners, mouth corners) to a generic 3-D face, solved by least squares. Yaw and roll are
 * consistent (mirroring flips their signs; rotating the image moves roll); pitch is biased by the
 * generic model (+5…+28° on frontal faces, docs/face-checks-spike.md), so it is reported, not judged.
 */
export interface Point {
  x: number;
  y: number;
}
export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
}

type V3 = [number, number, number];

// x right, y up, z towards the camera; ~0.1 mm units; iBUG-68 indices.
const MODEL_3D: Array<[number, V3]> = [
  [30, [0, 0, 0]],
  [8, [0, -330, -65]],
  [36, [-225, 170, -135]],
  [45, [225, 170, -135]],
  [48, [-150, -150, -125]],
  [54, [150, -150, -125]],
];

const det3 = (m: number[][]): number => {
  const [a, b, c] = m as [V3, V3, V3];
  return a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
};
const solve3 = (A: number[][], b: number[]): V3 => {
  const d = det3(A);
  return [0, 1, 2].map((col) => det3(A.map((row, r) => row.map((v, k) => (k === col ? (b[r] as number) : v)))) / d) as V3;
};
const norm = (v: V3): number => Math.hypot(v[0], v[1], v[2]);
const scale = (v: V3, s: number): V3 => [v[0] * s, v[1] * s, v[2] * s];
const sub = (a: V3, b: V3): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: V3, b: V3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: V3, b: V3): V3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

export function headPose(points: Point[]): HeadPose {
  const X = MODEL_3D.map(([, p]) => p);
  const x = MODEL_3D.map(([i]) => {
    const p = points[i] as Point;
    return [p.x, -p.y] as [number, number]; // image y points down
  });
  const mX: V3 = [0, 1, 2].map((k) => X.reduce((s, p) => s + p[k as 0 | 1 | 2], 0) / X.length) as V3;
  const mx = [0, 1].map((k) => x.reduce((s, p) => s + p[k as 0 | 1], 0) / x.length) as [number, number];
  const Xc = X.map((p) => sub(p, mX));
  const xc = x.map((p) => [p[0] - mx[0], p[1] - mx[1]] as [number, number]);
  const XtX = [0, 1, 2].map((a) => [0, 1, 2].map((b) => Xc.reduce((s, p) => s + p[a as 0] * p[b as 0], 0)));
  const row = (k: 0 | 1): V3 =>
    solve3(
      XtX,
      [0, 1, 2].map((a) => Xc.reduce((s, p, i) => s + p[a as 0] * (xc[i] as [number, number])[k], 0)),
    );
  let r1 = scale(row(0), 1 / norm(row(0)));
  let r2 = scale(row(1), 1 / norm(row(1)));
  const e = dot(r1, r2) / 2;
  const a = sub(r1, scale(r2, e));
  const b = sub(r2, scale(r1, e));
  r1 = scale(a, 1 / norm(a));
  r2 = scale(b, 1 / norm(b));
  const r3 = cross(r1, r2);
  const deg = 180 / Math.PI;
  return {
    yaw: Math.asin(Math.max(-1, Math.min(1, -r3[0]))) * deg,
    pitch: Math.atan2(r3[1], r3[2]) * deg,
    roll: Math.atan2(r2[0], r1[0]) * deg,
  };
}
