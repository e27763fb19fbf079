/**
 * Failures of the gateway client, classified where they are known (STYLE 8). Activities map them to
 * ApplicationFailure types: `timeout` and `notConnected` are retryable (the device or broker may come back; §1
 * "re-push in the background until it succeeds"), `invalidOutgoing` is a bug in what we tried to send and is not.
 */

export type CloudErrorKind =
  /** No answer with the request's mid (or device + cmd) within the budget; the device may still have applied it. */
  | 'timeout'
  /** The gateway's own MQTT connection is down, or the publish was not acknowledged by the broker. */
  | 'notConnected'
  /** The message we were asked to send violates the protocol schema (e.g. a plaintext `pass`). */
  | 'invalidOutgoing'
  /** The client was closed while the call was pending. */
  | 'closed';

export interface CloudErrorFields {
  deviceId?: string;
  cmd?: string;
  mid?: string;
  cause?: unknown;
}

export class CloudDeviceError extends Error {
  readonly deviceId?: string;
  readonly cmd?: string;
  readonly mid?: string;

  constructor(
    readonly kind: CloudErrorKind,
    message: string,
    fields: CloudErrorFields = {},
  ) {
    const where = [fields.deviceId, fields.cmd, fields.mid && `mid ${fields.mid}`].filter(Boolean).join(' ');
    super(`cloud ${kind}${where === '' ? '' : ` (${where})`}: ${message}`, { cause: fields.cause });
    this.name = 'CloudDeviceError';
    this.deviceId = fields.deviceId;
    this.cmd = fields.cmd;
    this.mid = fields.mid;
  }

  get retryable(): boolean {
    return this.kind === 'timeout' || this.kind === 'notConnected';
  }
}
