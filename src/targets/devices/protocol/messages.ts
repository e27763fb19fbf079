import { z } from 'zod';
import { HASH_STRING_PATTERN, MAX_USER_ID, MIN_USER_ID } from './xor-hash';

/**
 * The cloud access-control protocol's messages: one JSON envelope (digest "Envelope") whose `data.cmd` names the
 * command. One zod schema per command and direction gives the TypeScript type and the validation (STYLE 12).
 *
 * Sections cited as "§n" are those of reference/cloud-protocol.md; the Chinese seed (seeds/003) wins where they
 * differ, and every such place is marked "seed:". Decisions where both are silent are marked "choice:".
 */

/** action codes (digest "Envelope"). */
export const ACTION = {
  /** application → device: command, push, acknowledgement. */
  appToDevice: 500,
  /** device → application: response, upload, report. */
  deviceToApp: 300,
  /** platform (`from: "system"`) → device, e.g. `checkin_upload`. */
  systemToDevice: 200,
} as const;

/**
 * choice: the seed sets no size limit. 1 MiB fits an `access_capture` snapshot (base64 image, §13) with room to
 * spare; anything bigger from a device is refused before JSON.parse so a hostile device cannot make us allocate.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Field types shared by several commands

/** seed user_sync table: "user_id: 32位整型". Range: see MAX_USER_ID in xor-hash.ts. */
export const UserIdSchema = z.int().min(MIN_USER_ID).max(MAX_USER_ID);

/**
 * seed: the tables of feature_input (response), feature_input_cancel and feature_error type `user_id` as
 * 字符串 (string) while their examples send an integer. Devices may do either, so up messages accept a decimal
 * string too and the parsed value is always a number.
 */
const LenientUserIdSchema = z.union([
  UserIdSchema,
  z
    .string()
    .regex(/^[0-9]{1,10}$/)
    .transform(Number)
    .pipe(UserIdSchema),
]);

/** user_type: 0 employee, 1 visitor (§1). */
export const UserTypeSchema = z.literal([0, 1]);
export type UserType = z.infer<typeof UserTypeSchema>;

/** Unix time in seconds (envelope `time`, `access_time`, `expire_time`, `capture_time`). */
const UnixSecondsSchema = z.int().min(0).max(0xffff_ffff);

/** fa face, fp fingerprint, pass password, card card (§3). */
export const FeatureTypeSchema = z.enum(['fa', 'fp', 'pass', 'card']);
export type FeatureType = z.infer<typeof FeatureTypeSchema>;

/** §7: how the door was opened; `remote` (§11) and `app_scan` (§12) are the app-driven ones. */
export const AccessTypeSchema = z.enum(['fp', 'fa', 'pass', 'card', 'remote', 'app_scan']);
export type AccessType = z.infer<typeof AccessTypeSchema>;

/**
 * `pass` is never plaintext (seed user_sync: "门禁密码不可明文传输,加密规则由应用和设备协商决定"). The only rule the
 * seed spells out is the visitor's: MD5 of the 3-digit random password ("访客设计"). choice: this project uses
 * that same scheme for every user — 32 hex digits of MD5 (see pass-digest.ts) — so a plaintext PIN such as
 * "1234" fails validation before it can be sent. seed: an empty string means "not supported / none" ("置为空").
 */
export const PassSchema = z.union([
  z.literal(''),
  z.string().regex(/^[0-9a-fA-F]{32}$/, 'pass must be an MD5 hex digest, never plaintext'),
]);

/** `HH:mm`, 00:00–23:59 (§10, seed "格式是HH:mm,精确到分"). */
export const ClockTimeSchema = z.string().regex(/^(?:[01][0-9]|2[0-3]):[0-5][0-9]$/, 'expected HH:mm');

// ---------------------------------------------------------------------------------------------------------------
// user_sync (§1)

/**
 * A delete entry carries only `user_id` and `user_type` besides `delete: true` (seed: "除user_id、user_type外其它
 * 信息均不返回"); a strict object makes any other field a schema violation.
 */
export const UserDeleteEntrySchema = z.strictObject({
  user_id: UserIdSchema,
  user_type: UserTypeSchema,
  delete: z.literal(true),
});

/**
 * An add/update entry. seed: `empno`, `dept`, `fp`, `fa`, `pass`, `card`, `expire_time`, `admin` are optional
 * (可选) and "set empty" when unsupported — so `fp`/`fa` may be `[]` and their items `""` (the seed's example is
 * `["指纹特征值",""]`). `name` is not marked optional. `admin` is `true` or absent ("否则为空"); `delete` is absent
 * on these entries ("如果不是删除操作,则置为空").
 */
export const UserUpsertEntrySchema = z.strictObject({
  user_id: UserIdSchema,
  user_type: UserTypeSchema,
  name: z.string().max(128),
  empno: z.string().max(64).optional(),
  dept: z.string().max(128).optional(),
  fp: z.array(z.string()).optional(),
  fa: z.array(z.string()).optional(),
  pass: PassSchema.optional(),
  card: z.string().max(64).optional(),
  /** 0 or absent = never expires (§1). */
  expire_time: UnixSecondsSchema.optional(),
  admin: z.literal(true).optional(),
});

export const UserEntrySchema = z.union([UserDeleteEntrySchema, UserUpsertEntrySchema]);
export type UserDeleteEntry = z.infer<typeof UserDeleteEntrySchema>;
export type UserUpsertEntry = z.infer<typeof UserUpsertEntrySchema>;
export type UserEntry = z.infer<typeof UserEntrySchema>;

export function isDeleteEntry(entry: UserEntry): entry is UserDeleteEntry {
  return 'delete' in entry && entry.delete === true;
}

export const UserSyncPayloadSchema = z
  .object({
    /** true only on the first message of a full sync (§1). */
    reset: z.boolean(),
    /** Entries of the whole task; only on a task's first message (§1). */
    total_count: z.int().min(0).optional(),
    users: z.array(UserEntrySchema),
  })
  .refine((p) => !p.reset || p.total_count !== undefined, {
    // A reset starts a full-sync task, and a task's first message carries total_count (§1).
    message: 'reset: true starts a full sync and must carry total_count',
    path: ['total_count'],
  });
export type UserSyncPayload = z.infer<typeof UserSyncPayloadSchema>;

/** code 0 success (continue), 1 capacity full, 2 device busy (§1). */
export const USER_SYNC_CODE = { ok: 0, capacityFull: 1, busy: 2 } as const;

/** `reason` of a `user_sync_check` (§2): 0 routine, 1 the device detected a local data anomaly. */
export const SYNC_CHECK_REASON = { routine: 0, anomaly: 1 } as const;

/** `input_status` of a `feature_input` report (§3 table). */
export const FEATURE_INPUT_STATUS = {
  timedOut: 0,
  complete: 1,
  busy: 2,
  ready: 3,
  deviceFull: 4,
  userFeaturesFull: 5,
  userNotOnDevice: 6,
  cancelled: 7,
} as const;

/** `status` of an `access_remote_control` report (§11 table). */
export const REMOTE_CONTROL_STATUS = {
  ready: 0,
  opened: 1,
  tooManyTries: 2,
  timedOut: 3,
  cancelled: 4,
  adminRefused: 5,
  deviceFault: 9,
} as const;

/** `code` of the `access_app_scan` answer (§12). */
export const APP_SCAN_CODE = { opened: 0, wrongCode: 1, unknownUser: 2, outsideHours: 3, deviceFault: 9 } as const;

/** `code` of the answers to `access_time_config` (§10) and `property_update` (§14): 0 ok, anything else failed. */
export const CONFIG_ANSWER_CODE = { ok: 0 } as const;

export const UserSyncAnswerPayloadSchema = z
  .object({
    code: z.literal([0, 1, 2]),
    /** Entries applied, in push order; only meaningful with code 0 (§1). */
    sync_size: z.int().min(0).optional(),
  })
  .refine((p) => p.code !== 0 || p.sync_size !== undefined, {
    // choice: without sync_size a success cannot say how much of the batch landed, so it is not a success.
    message: 'code 0 must carry sync_size',
    path: ['sync_size'],
  });

// ---------------------------------------------------------------------------------------------------------------
// Device → application (action 300)

const up = <C extends string, S extends z.ZodType>(cmd: C, payload: S) => z.object({ cmd: z.literal(cmd), payload });

export const UpDataSchemas = {
  /** Answer to user_sync (§1). */
  user_sync: up('user_sync', UserSyncAnswerPayloadSchema),
  /** Consistency check (§2); `hash` is a decimal string (§2 Note). */
  user_sync_check: up(
    'user_sync_check',
    z.object({
      size: z.int().min(0),
      hash: z.string().regex(HASH_STRING_PATTERN, 'hash must be an unsigned decimal string'),
      /** 0 routine, 1 local data anomaly. */
      reason: z.literal([0, 1]),
    }),
  ),
  /** Enrolment status (§3). seed: feature_type/feature_value only when input_status is 1. */
  feature_input: up(
    'feature_input',
    z.object({
      user_id: LenientUserIdSchema,
      input_status: z.literal([0, 1, 2, 3, 4, 5, 6, 7]),
      feature_type: FeatureTypeSchema.optional(),
      feature_value: z.string().optional(),
    }),
  ),
  /**
   * Features a device could not use (§5). seed: the table defines status 1 (unparseable) and 2 (duplicate)
   * but its example sends 0; choice: 0 is accepted and means "unspecified".
   */
  feature_error: up(
    'feature_error',
    z.object({
      error_list: z.array(
        z.object({
          user_id: LenientUserIdSchema,
          feature_type: FeatureTypeSchema,
          feature_value: z.string().max(64).optional(),
          feature_length: z.int().min(0).optional(),
          index: z.int().min(0),
          status: z.literal([0, 1, 2]),
        }),
      ),
    }),
  ),
  /**
   * A refined template (§6). seed: the example's `feature_type` reads "fa|fp" and `feature_index` is a string,
   * while the table says 整型; a decimal string is accepted and becomes a number.
   */
  feature_update: up(
    'feature_update',
    z.object({
      user_id: LenientUserIdSchema,
      feature_type: z.enum(['fa', 'fp']),
      feature_value: z.string().min(1),
      feature_index: z.union([
        z.int().min(0),
        z
          .string()
          .regex(/^[0-9]{1,4}$/)
          .transform(Number),
      ]),
    }),
  ),
  /** Door events (§7); acknowledged with the same mid. choice: an empty batch is valid (it still gets its ack). */
  access_data_upload: up(
    'access_data_upload',
    z.object({
      users: z.array(
        z.object({
          user_id: UserIdSchema,
          user_type: UserTypeSchema,
          access_type: AccessTypeSchema,
          access_time: UnixSecondsSchema,
        }),
      ),
    }),
  ),
  /** Door sensor (§9): 0 closed, 1 open; acknowledged with the same mid. */
  device_status_update: up('device_status_update', z.object({ status: z.literal([0, 1]) })),
  /** Answer to access_time_config (§10): code 0 ok. seed: `msg` is an error description. */
  access_time_config: up('access_time_config', z.object({ code: z.int(), msg: z.string().optional() })),
  /** Answer to property_update (§14). */
  property_update: up('property_update', z.object({ code: z.int(), msg: z.string().optional() })),
  /** Snapshot (§13); `user_id` absent when the person was not recognised. */
  access_capture: up(
    'access_capture',
    z.object({
      user_id: UserIdSchema.optional(),
      capture_data: z.base64(),
      capture_time: UnixSecondsSchema,
    }),
  ),
  /** Remote-open status (§11) — `status` sits in `data` beside `cmd`, there is no payload. */
  access_remote_control: z.object({
    cmd: z.literal('access_remote_control'),
    status: z.literal([0, 1, 2, 3, 4, 5, 9]),
  }),
  /** App-scan result (§12) — `code` sits in `data` beside `cmd`. */
  access_app_scan: z.object({ cmd: z.literal('access_app_scan'), code: z.literal([0, 1, 2, 3, 9]) }),
} as const;

export type UpCmd = keyof typeof UpDataSchemas;
export const UP_CMDS = Object.keys(UpDataSchemas) as UpCmd[];
export type UpData<C extends UpCmd = UpCmd> = { [K in C]: z.output<(typeof UpDataSchemas)[K]> }[C];

// ---------------------------------------------------------------------------------------------------------------
// Application (or platform) → device (actions 500 and 200)

const down = <C extends string, S extends z.ZodType>(cmd: C, payload: S) => z.object({ cmd: z.literal(cmd), payload });
/** Acknowledgements carry only the cmd (seed: `"data": {"cmd": "access_data_upload"}`). */
const ack = <C extends string>(cmd: C) => z.strictObject({ cmd: z.literal(cmd) });

/** An opening-hours window (§10): `day` 0 = Sunday … 6 = Saturday. */
export const AccessTimeWindowSchema = z.object({
  day: z.array(z.int().min(0).max(6)).min(1),
  time_begin: ClockTimeSchema,
  time_end: ClockTimeSchema,
});
export type AccessTimeWindow = z.infer<typeof AccessTimeWindowSchema>;

/** A property to set (§14). `value`/`ext_value` are strings in the seed's table. */
export const PropertySettingSchema = z.object({
  property: z
    .string()
    .min(1)
    // §14 / seed "设备参数": send the setting name (`check_type`), never the model parameter (`check_type_config`).
    .refine((name) => !name.endsWith('_config'), 'send the setting name, not the *_config model parameter'),
  value: z.string(),
  ext_value: z.string().optional(),
});
export type PropertySetting = z.infer<typeof PropertySettingSchema>;

export const DownDataSchemas = {
  user_sync: down('user_sync', UserSyncPayloadSchema),
  /** Start enrolment on the device (§3). */
  feature_input: down('feature_input', z.object({ user_id: UserIdSchema, feature_type: FeatureTypeSchema })),
  /** Cancel an enrolment in progress (§4). */
  feature_input_cancel: down(
    'feature_input_cancel',
    z.object({ user_id: UserIdSchema, feature_type: FeatureTypeSchema }),
  ),
  /** Ack of an event batch, same mid (§7). */
  access_data_upload: ack('access_data_upload'),
  /** Ack of a door status, same mid (§9). */
  device_status_update: ack('device_status_update'),
  /** The full set of opening hours; the device overwrites (§10). choice: an empty list is allowed. */
  access_time_config: down('access_time_config', z.object({ times: z.array(AccessTimeWindowSchema) })),
  /**
   * Remote open (§11). Without `access_code` the device opens at once; seed: expire_time "授权码未返回时,不需要",
   * so it is required exactly when a code is sent.
   */
  access_remote_control: down(
    'access_remote_control',
    z
      .object({
        admin_id: UserIdSchema,
        access_code: z
          .string()
          .regex(/^[0-9a-fA-F]{32}$/, 'access_code is the MD5 hex digest of the code')
          .optional(),
        expire_time: UnixSecondsSchema.optional(),
      })
      .refine((p) => p.access_code === undefined || p.expire_time !== undefined, {
        message: 'an access_code needs an expire_time',
        path: ['expire_time'],
      }),
  ),
  /** Open after the app scanned the device's QR code (§12). */
  access_app_scan: down(
    'access_app_scan',
    z.object({ user_id: UserIdSchema, access_code: z.string().regex(/^[0-9a-fA-F]{32}$/) }),
  ),
  /** Configure settings (§14). */
  property_update: down('property_update', z.object({ properties: z.array(PropertySettingSchema).min(1) })),
  /** Re-upload the access records of the last `days` days incl. today (§8); action 200 from "system". */
  checkin_upload: down('checkin_upload', z.object({ days: z.int().min(1).max(3660) })),
} as const;

export type DownCmd = keyof typeof DownDataSchemas;
export const DOWN_CMDS = Object.keys(DownDataSchemas) as DownCmd[];
export type DownData<C extends DownCmd = DownCmd> = { [K in C]: z.input<(typeof DownDataSchemas)[K]> }[C];
/** `data` without its `cmd`: what callers hand to `send`. */
export type DownFields<C extends DownCmd> = Omit<z.input<(typeof DownDataSchemas)[C]>, 'cmd'>;

/** seed §8: checkin_upload comes from the platform with action 200; everything else the app sends is 500. */
export function downAction(cmd: DownCmd): 200 | 500 {
  return cmd === 'checkin_upload' ? ACTION.systemToDevice : ACTION.appToDevice;
}

/** seed §8: the platform's request is sent `from: "system"` (its example); the envelope's sender for action 200. */
export const SYSTEM_SENDER = 'system';

/** The envelope's `from` for a down message: "system" with action 200 (seed §8), else the application id. */
export function downSender(cmd: DownCmd, appId: string): string {
  return downAction(cmd) === ACTION.systemToDevice ? SYSTEM_SENDER : appId;
}

// ---------------------------------------------------------------------------------------------------------------
// Envelope and parsing

export const EnvelopeSchema = z.object({
  /** seed: a string (examples "123456", "消息ID"); answers reuse the request's mid. */
  mid: z.string().min(1).max(128),
  from: z.string().min(1).max(128),
  to: z.string().max(128),
  time: UnixSecondsSchema,
  action: z.int(),
  data: z.looseObject({ cmd: z.string().min(1).max(64) }),
});

export interface Envelope<D> {
  mid: string;
  from: string;
  to: string;
  time: number;
  action: number;
  data: D;
}

export type UpMessage<C extends UpCmd = UpCmd> = { [K in C]: Envelope<UpData<K>> & { action: 300 } }[C];
export type DownMessage<C extends DownCmd = DownCmd> = {
  [K in C]: Envelope<z.output<(typeof DownDataSchemas)[K]>> & { action: 200 | 500 };
}[C];

export type RejectionReason =
  'tooLarge' | 'invalidJson' | 'notEnvelope' | 'wrongAction' | 'unknownCmd' | 'schema' | 'senderMismatch';

export interface MessageRejection {
  ok: false;
  reason: RejectionReason;
  /** Human-readable; never contains the message body (it may hold features or images). */
  detail: string;
  /** Whatever could be read before the rejection, for logs and for deciding whether to ack. */
  mid?: string;
  cmd?: string;
}

export type ParseResult<M> = { ok: true; message: M } | MessageRejection;

export interface ParseOptions {
  maxBytes?: number;
  /** The device id from the topic; the envelope's `from` must equal it (a device cannot speak for another). */
  deviceId?: string;
}

function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

function parseWith<M>(
  raw: Buffer | Uint8Array | string,
  opts: ParseOptions,
  expectedActions: readonly number[],
  schemas: Record<string, z.ZodType>,
): ParseResult<M> {
  try {
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
    if (size > maxBytes) return { ok: false, reason: 'tooLarge', detail: `${size} bytes > ${maxBytes}` };
    let json: unknown;
    try {
      json = JSON.parse(
        typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'),
      );
    } catch (err) {
      return { ok: false, reason: 'invalidJson', detail: err instanceof Error ? err.message : 'not JSON' };
    }
    const envelope = EnvelopeSchema.safeParse(json);
    if (!envelope.success) return { ok: false, reason: 'notEnvelope', detail: issuesText(envelope.error) };
    const { mid, data } = envelope.data;
    const cmd = data.cmd;
    if (!expectedActions.includes(envelope.data.action)) {
      return { ok: false, reason: 'wrongAction', detail: `action ${envelope.data.action}`, mid, cmd };
    }
    if (opts.deviceId !== undefined && envelope.data.from !== opts.deviceId) {
      return {
        ok: false,
        reason: 'senderMismatch',
        detail: `from ${JSON.stringify(envelope.data.from)} on ${opts.deviceId}'s topic`,
        mid,
        cmd,
      };
    }
    const schema = Object.hasOwn(schemas, cmd) ? schemas[cmd] : undefined;
    if (schema === undefined)
      return { ok: false, reason: 'unknownCmd', detail: `cmd ${JSON.stringify(cmd)}`, mid, cmd };
    const parsed = schema.safeParse(data);
    if (!parsed.success) return { ok: false, reason: 'schema', detail: issuesText(parsed.error), mid, cmd };
    return { ok: true, message: { ...envelope.data, data: parsed.data } as M };
  } catch (err) {
    // Defensive: nothing above should throw, but a parser on a network path must not.
    return { ok: false, reason: 'schema', detail: err instanceof Error ? err.message : String(err) };
  }
}

/** A device → application message (action 300), or why it was refused. Never throws. */
export function parseUpMessage(raw: Buffer | Uint8Array | string, opts: ParseOptions = {}): ParseResult<UpMessage> {
  return parseWith<UpMessage>(raw, opts, [ACTION.deviceToApp], UpDataSchemas);
}

/**
 * An application/platform → device message (actions 500/200), or why it was refused. Never throws. The device
 * simulator uses it; `deviceId` is not checked here (the `from` of a down message is the app or "system").
 */
export function parseDownMessage(
  raw: Buffer | Uint8Array | string,
  opts: Omit<ParseOptions, 'deviceId'> = {},
): ParseResult<DownMessage> {
  const result = parseWith<DownMessage>(raw, opts, [ACTION.appToDevice, ACTION.systemToDevice], DownDataSchemas);
  if (result.ok && result.message.action !== downAction(result.message.data.cmd)) {
    return {
      ok: false,
      reason: 'wrongAction',
      detail: `action ${result.message.action} for ${result.message.data.cmd}`,
      mid: result.message.mid,
      cmd: result.message.data.cmd,
    };
  }
  return result;
}

/** Validates and types the `data` of an outgoing down message; throws a ZodError on violation. */
export function validateDownData<C extends DownCmd>(cmd: C, fields: DownFields<C>): DownData<C> {
  return DownDataSchemas[cmd].parse({ ...fields, cmd }) as DownData<C>;
}

/** Validates the `data` of an outgoing up message (device side); throws a ZodError on violation. */
export function validateUpData(data: UpData): UpData {
  return (UpDataSchemas[data.cmd] as z.ZodType).parse(data) as UpData;
}

export function encodeEnvelope(envelope: Envelope<unknown>): Buffer {
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}
