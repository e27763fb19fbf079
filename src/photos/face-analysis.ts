import { dirname, join, sep } from 'node:path';
import sharp from 'sharp';
import { headPose, type HeadPose, type Point } from './head-pose';
import { withoutAddedProcessListeners } from '../process-listeners';

/**
 * Face detection, 68 landmarks and 128-d descriptors on CPU, offline: @vladmandic/face-api on the
 * tfjs WASM backend, with the model files and the .wasm shipped inside the npm packages (nothing is
 * downloaded at run time). Loaded once per process. See docs/face-checks-spike.md.
 */
// The node-wasm build is CommonJS and brings its own tfjs instance (faceapi.tf); no typings ship for it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;

export interface DetectedFace {
  box: { x: number; y: number; width: number; height: number };
  score: number;
  landmarks: Point[];
  descriptor: Float32Array;
  pose: HeadPose;
}

export interface FaceAnalysis {
  width: number;
  height: number;
  faces: DetectedFace[];
  /** The pixels the detector saw (sRGB, 3 channels, width × height): the face checks measure these too. Never stored or sent. */
  rgb: Buffer;
}

/** Long side the detector sees: it works at 416 px anyway; larger only grows WASM memory. */
const ANALYSIS_SIDE = 1024;

let loading: Promise<void> | undefined;

const CRASH_HOOKS = ['uncaughtException', 'unhandledRejection'] as const;

export function loadFaceModel(): Promise<void> {
  // The emscripten glue of the WASM backend adds process handlers that rethrow any unhandled
  // rejection — they would turn one bad photo into a crashed worker or API.
  loading ??= withoutAddedProcessListeners(CRASH_HOOKS, async () => {
    const pkg = (name: string) => dirname(require.resolve(`${name}/package.json`));
    faceapi.tf.setWasmPaths(join(pkg('@tensorflow/tfjs-backend-wasm'), 'dist') + sep);
    await faceapi.tf.setBackend('wasm');
    await faceapi.tf.ready();
    const models = join(pkg('@vladmandic/face-api'), 'model');
    await faceapi.nets.tinyFaceDetector.loadFromDisk(models);
    await faceapi.nets.faceLandmark68Net.loadFromDisk(models);
    await faceapi.nets.faceRecognitionNet.loadFromDisk(models);
  });
  return loading;
}

export async function analyseFaces(image: Buffer): Promise<FaceAnalysis> {
  await loadFaceModel();
  const { data, info } = await sharp(image, { limitInputPixels: 50_000_000 })
    .rotate()
    .resize({ width: ANALYSIS_SIDE, height: ANALYSIS_SIDE, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  let faces = await detect(data, info.width, info.height);
  if (faces.length === 0) {
    // The tiny detector misses a face that fills the frame — exactly what a good ID photo does. Look
    // again with a neutral border around it (a quarter of the short side) and map the result back.
    const pad = Math.round(Math.min(info.width, info.height) / 4);
    const padded = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
      .extend({ top: pad, bottom: pad, left: pad, right: pad, background: { r: 128, g: 128, b: 128 } })
      .raw()
      .toBuffer();
    faces = (await detect(padded, info.width + 2 * pad, info.height + 2 * pad)).map((f) => shift(f, -pad));
  }
  return { width: info.width, height: info.height, faces, rgb: data };
}

async function detect(rgb: Buffer, width: number, height: number): Promise<DetectedFace[]> {
  const tensor = faceapi.tf.tensor3d(rgb, [height, width, 3], 'int32');
  try {
    const options = new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 });
    const found = await faceapi.detectAllFaces(tensor, options).withFaceLandmarks().withFaceDescriptors();
    return found.map((f) => {
      const landmarks = f.landmarks.positions.map((p) => ({ x: p.x, y: p.y }));
      const { x, y, width: w, height: h } = f.detection.box;
      return { box: { x, y, width: w, height: h }, score: f.detection.score, landmarks, descriptor: f.descriptor, pose: headPose(landmarks) };
    });
  } finally {
    tensor.dispose();
  }
}

function shift(f: DetectedFace, by: number): DetectedFace {
  const landmarks = f.landmarks.map((p) => ({ x: p.x + by, y: p.y + by }));
  return { ...f, box: { ...f.box, x: f.box.x + by, y: f.box.y + by }, landmarks };
}

export function descriptorDistance(a: Float32Array, b: Float32Array): number {
  return faceapi.euclideanDistance(a, b);
}

/** The parts of face-api's API used here (its node-wasm build has no type declarations). */
interface FaceApi {
  tf: {
    setWasmPaths(path: string): void;
    setBackend(name: string): Promise<boolean>;
    ready(): Promise<void>;
    tensor3d(data: Uint8Array | Buffer, shape: [number, number, number], dtype: 'int32'): { dispose(): void };
  };
  nets: Record<'tinyFaceDetector' | 'faceLandmark68Net' | 'faceRecognitionNet', { loadFromDisk(dir: string): Promise<void> }>;
  TinyFaceDetectorOptions: new (o: { inputSize: number; scoreThreshold: number }) => unknown;
  detectAllFaces(
    input: unknown,
    options: unknown,
  ): {
    withFaceLandmarks(): {
      withFaceDescriptors(): Promise<
        Array<{
          detection: { box: { x: number; y: number; width: number; height: number }; score: number };
          landmarks: { positions: Array<{ x: number; y: number }> };
          descriptor: Float32Array;
        }>
      >;
    };
  };
  euclideanDistance(a: Float32Array, b: Float32Array): number;
}
