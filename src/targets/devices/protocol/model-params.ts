/**
 * Fixed traits of a device model (digest §15, seed "设备参数" → "固有特性"), read by the application with
 * action 520. When the platform gives none, these defaults apply (seed: "固有特性请直接使用默认值").
 */
export interface ModelParams {
  /** Comma-separated access methods, e.g. `fa,fp,pass,card`. */
  checkType: string;
  /** Face algorithm id; the seed marks it required but gives no default (example `SMKFA`). */
  faAlg?: string;
  faCapacity: number;
  faMax: number;
  /** Fingerprint algorithm id, optional (example `SMKFPL`). */
  fpAlg?: string;
  fpCapacity: number;
  fpMax: number;
  userCapacity: number;
  /** Entries per `user_sync` message (digest §1 "Entries per message"). */
  userSyncSize: number;
  faAppInput: boolean;
}

export const DEFAULT_MODEL_PARAMS: Readonly<ModelParams> = Object.freeze({
  checkType: 'fp',
  faCapacity: 200,
  faMax: 1,
  fpCapacity: 1000,
  fpMax: 3,
  userCapacity: 1000,
  userSyncSize: 1,
  faAppInput: false,
});
