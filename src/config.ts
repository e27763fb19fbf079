import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { FAMILIES, singleTaskQueue, taskQueues, type Family, type TaskQueues } from './contracts/task-queues';
import {
  DEFAULT_PHOTO_SETTINGS,
  unsatisfiableProfile,
  type PhotoSettings,
  type ProfileProblem,
  type TargetPhotoProfile,
} from './photos/photo-settings';
import { parseSecretKey } from './security/secret-box';

/**
 * The only reader of process.env. Everything else receives a Config (STYLE §11).
 * A bad value stops start-up with a message naming the variable.
 */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** `X=` (empty, as compose files often pass) means "not set", never 0. */
const blankAsUnset = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const activityLimit = (dflt: number) => z.preprocess(blankAsUnset, z.coerce.number().int().min(1).default(dflt));
const port = (dflt: number) => z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(65535).default(dflt));

const durationMs = (dflt: number) => z.preprocess(blankAsUnset, z.coerce.number().int().min(0).default(dflt));

const fraction = (dflt: number) => z.preprocess(blankAsUnset, z.coerce.number().gt(0).max(1).default(dflt));
const degrees = (dflt: number) => z.preprocess(blankAsUnset, z.coerce.number().min(0).max(90).default(dflt));
const luminance = (dflt: number) => z.preprocess(blankAsUnset, z.coerce.number().min(0).max(255).default(dflt));
const distance = (dflt: number) => z.preprocess(blankAsUnset, z.coerce.number().gt(0).max(2).default(dflt));
const pixels = (dflt: number) => z.preprocess(blankAsUnset, z.coerce.number().int().min(100).max(8000).default(dflt));
const kilobytes = (dflt: number) => z.preprocess(blankAsUnset, z.coerce.number().int().min(10).max(10_240).default(dflt));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GATESYNC_DATA_DIR: z.string().default('.data'),

  DATABASE_URL: optionalString.pipe(z.string().url().optional()),
  EMBEDDED_PG_PORT: port(54329),

  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** Family queues are `<prefix>-<family>` (contracts/task-queues); the default keeps `gatesync-hikcentral`. */
  TEMPORAL_TASK_QUEUE_PREFIX: z.string().min(1).default('gatesync'),
  /** One queue for every family instead (a small deployment, or one test's worker). */
  TEMPORAL_TASK_QUEUE: optionalString,
  /** The families this worker serves, comma-separated; default all. */
  WORKER_QUEUES: z.preprocess(blankAsUnset, z.string().default(FAMILIES.join(','))).pipe(
    z
      .string()
      .transform((v) => v.split(',').map((f) => f.trim()).filter((f) => f !== ''))
      .pipe(z.array(z.enum(FAMILIES)).min(1, 'name at least one of hikcentral, terminals, devices, photos')),
  ),
  // Image work is CPU-bound: about one activity per core; target calls mostly wait on the wire.
  WORKER_MAX_ACTIVITIES_HIKCENTRAL: activityLimit(20),
  WORKER_MAX_ACTIVITIES_TERMINALS: activityLimit(50),
  WORKER_MAX_ACTIVITIES_DEVICES: activityLimit(100),
  WORKER_MAX_ACTIVITIES_PHOTOS: activityLimit(Math.max(1, availableParallelism())),
  TEMPORAL_DEV_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_UI_URL: optionalString,
  TEMPORAL_CLI_PATH: optionalString,
  GATESYNC_WORKFLOW_BUNDLE: optionalString,

  API_PORT: port(3000),
  API_HOST: z.string().default('127.0.0.1'),
  API_BODY_LIMIT: z.string().default('100kb'),
  API_PHOTO_LIMIT: z.string().default('10mb'),
  GATESYNC_API_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),

  HIKCENTRAL_URL: optionalString.pipe(
    z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL')
      .optional(),
  ),
  HIKCENTRAL_APP_KEY: optionalString,
  HIKCENTRAL_APP_SECRET: optionalString,
  HIKCENTRAL_ORG_INDEX_CODE: optionalString,
  HIKCENTRAL_CA_FILE: optionalString,
  HIKCENTRAL_INSECURE_TLS: bool,
  HIKCENTRAL_TIMEOUT_MS: durationMs(10_000),
  HIKCENTRAL_PHOTO_REJECTED_CODES: optionalString,
  HIKCENTRAL_PRIVILEGE_GROUP_IDS: optionalString,
  HIKCENTRAL_VALIDITY_DAYS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(36500).default(365 * 5)),
  HIKCENTRAL_SIM_PORT: port(9016),

  PHOTO_IMPORT_ROOT: optionalString,
  PHOTO_FACE_CHECKS: z.preprocess(blankAsUnset, z.enum(['enforce', 'off']).default('enforce')),
  FACE_MIN_SHARE: fraction(DEFAULT_PHOTO_SETTINGS.face.minFaceShare),
  FACE_MAX_YAW_DEG: degrees(DEFAULT_PHOTO_SETTINGS.face.maxYawDeg),
  FACE_MAX_ROLL_DEG: degrees(DEFAULT_PHOTO_SETTINGS.face.maxRollDeg),
  FACE_MIN_SHARPNESS: z.preprocess(blankAsUnset, z.coerce.number().min(0).default(DEFAULT_PHOTO_SETTINGS.face.minSharpness)),
  FACE_MIN_BRIGHTNESS: luminance(DEFAULT_PHOTO_SETTINGS.face.minBrightness),
  FACE_MAX_BRIGHTNESS: luminance(DEFAULT_PHOTO_SETTINGS.face.maxBrightness),
  FACE_DUPLICATE_MAX_DISTANCE: distance(DEFAULT_PHOTO_SETTINGS.duplicateMaxDistance),
  FACE_MATCH_MAX_DISTANCE: distance(DEFAULT_PHOTO_SETTINGS.matchMaxDistance),
  PHOTO_HIKCENTRAL_MAX_SIDE: pixels(DEFAULT_PHOTO_SETTINGS.profiles.hikcentral.maxSide),
  PHOTO_HIKCENTRAL_MAX_KB: kilobytes(DEFAULT_PHOTO_SETTINGS.profiles.hikcentral.maxBytes / 1024),
  PHOTO_HIKCENTRAL_FACE_CROP: z.preprocess(
    blankAsUnset,
    z.coerce.number().min(0).max(10).default(DEFAULT_PHOTO_SETTINGS.profiles.hikcentral.faceCropScale ?? 0),
  ),
  PHOTO_ISAPI_MAX_SIDE: pixels(DEFAULT_PHOTO_SETTINGS.profiles.isapi.maxSide),
  PHOTO_ISAPI_MAX_KB: kilobytes(DEFAULT_PHOTO_SETTINGS.profiles.isapi.maxBytes / 1024),
  PHOTO_IMPORT_ZIP_LIMIT: z.string().default('500mb'),
  GATESYNC_SECRET_KEY: optionalString,
  TERMINAL_VALIDITY_DAYS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(36500).default(365 * 5)),
  TERMINAL_TIMEOUT_MS: durationMs(10_000),
  TERMINAL_SYNC_PACING_MS: durationMs(0),
  TERMINAL_BUSY_PAUSE_MS: durationMs(15_000),
  // Reference §2.3: "Progress 0 = no face yet → re-POST after 2–5 s"; sooner hammers a terminal that serves one request at a time.
  TERMINAL_CAPTURE_POLL_MS: z.preprocess(
    blankAsUnset,
    z.coerce.number().int().min(2_000, 'must be 2000–5000 ms (reference §2.3)').max(5_000, 'must be 2000–5000 ms (reference §2.3)').default(3_000),
  ),
  ISAPI_SIM_PORT: port(9020),
  SYNC_PACING_MS: durationMs(300),
  SYNC_BUSY_PAUSE_MS: durationMs(5 * 60_000),

  // Cloud access-control devices: embedded broker unless MQTT_URL names an external one.
  MQTT_URL: optionalString.pipe(
    z
      .string()
      .url()
      .refine((u) => /^mqtts?:\/\//.test(u), 'must be an mqtt:// or mqtts:// URL')
      .optional(),
  ),
  MQTT_HOST: z.string().default('127.0.0.1'),
  MQTT_PORT: port(1883),
  MQTT_GATEWAY_USERNAME: z.string().min(1).default('gatesync-gateway'),
  MQTT_GATEWAY_PASSWORD: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  MQTT_APP_ID: z.string().min(1).max(128).default('gatesync'),
  DEVICE_REQUEST_TIMEOUT_MS: durationMs(10_000),
  DEVICE_BUSY_PAUSE_MS: durationMs(5 * 60_000),
  DEVICE_COMMAND_TIMEOUT_MS: durationMs(60_000),
  /** A standby gateway tries to take over this often (`npm run gateway`, leader election on PostgreSQL). */
  GATEWAY_TAKEOVER_POLL_MS: z.preprocess(blankAsUnset, z.coerce.number().int().min(100).max(60_000).default(1000)),
  DEVICE_SIM_COUNT: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(1000).default(3)),
});

export interface HikCentralConfig {
  /** undefined → the embedded simulator is started by `npm start`. */
  url?: string;
  appKey: string;
  appSecret: string;
  orgIndexCode: string;
  caFile?: string;
  insecureTls: boolean;
  timeoutMs: number;
  photoRejectedCodes?: string[];
  privilegeGroupIds: string[];
  validityDays: number;
  simPort: number;
}

export interface Config {
  env: 'development' | 'test' | 'production';
  logLevel: string;
  dataDir: string;
  database: { url?: string; embeddedPort: number };
  temporal: {
    address?: string;
    namespace: string;
    /** Where each family's workflows and activities run. */
    queues: TaskQueues;
    devPort: number;
    uiPort: number;
    uiUrl?: string;
    cliPath?: string;
    /** A prebuilt workflow bundle (`npm run build:workflows`); otherwise the worker bundles at start. */
    workflowBundlePath?: string;
  };
  api: { host: string; port: number; bodyLimit: string; photoLimit: string; token?: string };
  /** Which family queues this worker serves, and how many activities each runs at once. */
  worker: { families: Family[]; maxActivities: Record<Family, number> };
  hikcentral: HikCentralConfig;
  sync: { pacingMs: number; busyPauseMs: number };
  photos: { importRoot?: string; zipLimit: string; settings: PhotoSettings };
  /** AES-256-GCM key for device passwords (32 bytes); `npm start` keeps a generated one in the data dir. */
  secretKey?: Buffer;
  terminals: {
    validityDays: number;
    timeoutMs: number;
    pacingMs: number;
    busyPauseMs: number;
    /** Wait between CaptureFaceData re-POSTs while no face is there yet (2–5 s). */
    capturePollMs: number;
    simPort: number;
  };
  devices: {
    /** undefined → the embedded broker on mqttHost:mqttPort. */
    mqttUrl?: string;
    mqttHost: string;
    mqttPort: number;
    gatewayUsername: string;
    /** Required with an external broker; the embedded broker and its gateway share a process, so a random one is used. */
    gatewayPassword?: string;
    appId: string;
    requestTimeoutMs: number;
    busyPauseMs: number;
    commandTimeoutMs: number;
    /** Simulated devices `npm start` runs. */
    simCount: number;
    /** How often a standby gateway campaigns for the active role. */
    takeoverPollMs: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const DEV_APP_KEY = 'gatesync-dev-key';
const DEV_APP_SECRET = 'gatesync-dev-secret-not-for-production';

const csv = (v: string | undefined): string[] =>
  v === undefined
    ? []
    : v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const issues: string[] = [];
  if (e.HIKCENTRAL_URL !== undefined) {
    // Against a real HikCentral the credentials and org must come from the operator.
    for (const name of ['HIKCENTRAL_APP_KEY', 'HIKCENTRAL_APP_SECRET', 'HIKCENTRAL_ORG_INDEX_CODE'] as const) {
      if (e[name] === undefined) issues.push(`${name}: required when HIKCENTRAL_URL is set`);
    }
    if (e.HIKCENTRAL_URL.startsWith('https:') && e.HIKCENTRAL_CA_FILE === undefined && !e.HIKCENTRAL_INSECURE_TLS) {
      issues.push(
        'HIKCENTRAL_CA_FILE: an https HIKCENTRAL_URL needs a CA file, or HIKCENTRAL_INSECURE_TLS=true for a self-signed certificate',
      );
    }
  }
  let secretKey: Buffer | undefined;
  if (e.GATESYNC_SECRET_KEY !== undefined) {
    try {
      secretKey = parseSecretKey(e.GATESYNC_SECRET_KEY);
    } catch (err) {
      issues.push(`GATESYNC_SECRET_KEY: ${(err as Error).message}`);
    }
  } else if (e.NODE_ENV === 'production') {
    issues.push('GATESYNC_SECRET_KEY: required in production (terminal passwords are encrypted with it; e.g. `openssl rand -hex 32`)');
  }
  if (e.NODE_ENV === 'production' && e.GATESYNC_API_TOKEN === undefined) {
    issues.push('GATESYNC_API_TOKEN: required in production');
  }
  if (e.MQTT_URL !== undefined && e.MQTT_GATEWAY_PASSWORD === undefined) {
    issues.push('MQTT_GATEWAY_PASSWORD: required with MQTT_URL (the gateway\'s account on the external broker)');
  }
  if (e.FACE_MIN_BRIGHTNESS >= e.FACE_MAX_BRIGHTNESS) issues.push('FACE_MIN_BRIGHTNESS: must be below FACE_MAX_BRIGHTNESS');
  const photos = photoSettings(e);
  issues.push(...profileIssues(photos.profiles));
  if (issues.length > 0) throw new ConfigError(issues);

  const rejected = csv(e.HIKCENTRAL_PHOTO_REJECTED_CODES);
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir: e.GATESYNC_DATA_DIR,
    database: { url: e.DATABASE_URL, embeddedPort: e.EMBEDDED_PG_PORT },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      queues: e.TEMPORAL_TASK_QUEUE !== undefined ? singleTaskQueue(e.TEMPORAL_TASK_QUEUE) : taskQueues(e.TEMPORAL_TASK_QUEUE_PREFIX),
      devPort: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      uiUrl: e.TEMPORAL_UI_URL,
      cliPath: e.TEMPORAL_CLI_PATH,
      workflowBundlePath: e.GATESYNC_WORKFLOW_BUNDLE,
    },
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      bodyLimit: e.API_BODY_LIMIT,
      photoLimit: e.API_PHOTO_LIMIT,
      token: e.GATESYNC_API_TOKEN,
    },
    worker: {
      families: e.WORKER_QUEUES,
      maxActivities: {
        hikcentral: e.WORKER_MAX_ACTIVITIES_HIKCENTRAL,
        terminals: e.WORKER_MAX_ACTIVITIES_TERMINALS,
        devices: e.WORKER_MAX_ACTIVITIES_DEVICES,
        photos: e.WORKER_MAX_ACTIVITIES_PHOTOS,
      },
    },
    hikcentral: {
      url: e.HIKCENTRAL_URL,
      appKey: e.HIKCENTRAL_APP_KEY ?? DEV_APP_KEY,
      appSecret: e.HIKCENTRAL_APP_SECRET ?? DEV_APP_SECRET,
      orgIndexCode: e.HIKCENTRAL_ORG_INDEX_CODE ?? '2',
      caFile: e.HIKCENTRAL_CA_FILE,
      insecureTls: e.HIKCENTRAL_INSECURE_TLS,
      timeoutMs: e.HIKCENTRAL_TIMEOUT_MS,
      photoRejectedCodes: rejected.length > 0 ? rejected : undefined,
      privilegeGroupIds: csv(e.HIKCENTRAL_PRIVILEGE_GROUP_IDS),
      validityDays: e.HIKCENTRAL_VALIDITY_DAYS,
      simPort: e.HIKCENTRAL_SIM_PORT,
    },
    sync: { pacingMs: e.SYNC_PACING_MS, busyPauseMs: e.SYNC_BUSY_PAUSE_MS },
    photos: { importRoot: e.PHOTO_IMPORT_ROOT, zipLimit: e.PHOTO_IMPORT_ZIP_LIMIT, settings: photos },
    secretKey,
    terminals: {
      validityDays: e.TERMINAL_VALIDITY_DAYS,
      timeoutMs: e.TERMINAL_TIMEOUT_MS,
      pacingMs: e.TERMINAL_SYNC_PACING_MS,
      busyPauseMs: e.TERMINAL_BUSY_PAUSE_MS,
      capturePollMs: e.TERMINAL_CAPTURE_POLL_MS,
      simPort: e.ISAPI_SIM_PORT,
    },
    devices: {
      mqttUrl: e.MQTT_URL,
      mqttHost: e.MQTT_HOST,
      mqttPort: e.MQTT_PORT,
      gatewayUsername: e.MQTT_GATEWAY_USERNAME,
      gatewayPassword: e.MQTT_GATEWAY_PASSWORD,
      appId: e.MQTT_APP_ID,
      requestTimeoutMs: e.DEVICE_REQUEST_TIMEOUT_MS,
      busyPauseMs: e.DEVICE_BUSY_PAUSE_MS,
      commandTimeoutMs: e.DEVICE_COMMAND_TIMEOUT_MS,
      simCount: e.DEVICE_SIM_COUNT,
      takeoverPollMs: e.GATEWAY_TAKEOVER_POLL_MS,
    },
  };
}

function photoSettings(e: z.infer<typeof envSchema>): PhotoSettings {
  const d = DEFAULT_PHOTO_SETTINGS;
  return {
    faceChecks: e.PHOTO_FACE_CHECKS,
    face: {
      minFaceShare: e.FACE_MIN_SHARE,
      maxYawDeg: e.FACE_MAX_YAW_DEG,
      maxRollDeg: e.FACE_MAX_ROLL_DEG,
      minSharpness: e.FACE_MIN_SHARPNESS,
      minBrightness: e.FACE_MIN_BRIGHTNESS,
      maxBrightness: e.FACE_MAX_BRIGHTNESS,
    },
    duplicateMaxDistance: e.FACE_DUPLICATE_MAX_DISTANCE,
    matchMaxDistance: e.FACE_MATCH_MAX_DISTANCE,
    profiles: {
      hikcentral: {
        ...d.profiles.hikcentral,
        maxSide: e.PHOTO_HIKCENTRAL_MAX_SIDE,
        maxBytes: e.PHOTO_HIKCENTRAL_MAX_KB * 1024,
        // 0 switches the face-centred crop off.
        faceCropScale: e.PHOTO_HIKCENTRAL_FACE_CROP > 0 ? e.PHOTO_HIKCENTRAL_FACE_CROP : undefined,
      },
      isapi: { ...d.profiles.isapi, maxSide: e.PHOTO_ISAPI_MAX_SIDE, maxBytes: e.PHOTO_ISAPI_MAX_KB * 1024 },
    },
  };
}

/** The variable behind each profile setting; settings without one come from the code's defaults. */
const PROFILE_VARIABLES: Record<TargetPhotoProfile['name'], Partial<Record<ProfileProblem['setting'], string>>> = {
  hikcentral: {
    maxSide: 'PHOTO_HIKCENTRAL_MAX_SIDE',
    maxBytes: 'PHOTO_HIKCENTRAL_MAX_KB',
    faceCropScale: 'PHOTO_HIKCENTRAL_FACE_CROP',
  },
  isapi: { maxSide: 'PHOTO_ISAPI_MAX_SIDE', maxBytes: 'PHOTO_ISAPI_MAX_KB' },
};

/** Settings no photo that passed intake could meet are refused at start, not found out on every push. */
function profileIssues(profiles: PhotoSettings['profiles']): string[] {
  return Object.values(profiles).flatMap((p) =>
    unsatisfiableProfile(p).map((x) => {
      const variable = PROFILE_VARIABLES[p.name][x.setting] ?? `${p.name} profile ${x.setting}`;
      return `${variable}: ${x.problem}`;
    }),
  );
}
