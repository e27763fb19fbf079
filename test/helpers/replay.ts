import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import * as protoUtils from '@temporalio/common/lib/proto-utils';
import type { History } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import * as prettier from 'prettier';
import type { Services } from './services';

/**
 * Recorded histories for replay tests (sdk-typescript's tests): each fixture is recorded once on the
 * real server and committed; a fixture is recorded only when its file is missing, so a committed one
 * is never silently re-recorded.
 */
export const HISTORIES_DIR = join(__dirname, '..', 'fixtures', 'histories');

export interface Recording {
  file: string;
  record(s: Services, taskQueue: string): Promise<WorkflowHandle>;
}

/**
 * historyToJSON/historyFromJSON of @temporalio/common 1.24, or the same conversion done with the
 * protobufjs copy that @temporalio/proto's types were built with. With this lockfile npm installs two
 * copies of protobufjs 8 (one under @temporalio/common, one under @temporalio/proto, because the root
 * holds grpc's protobufjs 7), and protojson's `type instanceof Type` check then fails in proto-utils
 * with "type must be a Type" — which also breaks Worker.runReplayHistory when handed JSON. Once the
 * copies are deduplicated the SDK's own functions are used.
 */
const cjs = createRequire(__filename);
type ProtoJson = {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, o?: object): unknown;
};
const protoJson = (): ProtoJson =>
  cjs(
    cjs.resolve('protobufjs/ext/protojson', { paths: [dirname(cjs.resolve('@temporalio/proto/package.json'))] }),
  ) as ProtoJson;
/** The CommonJS root of @temporalio/proto (its patched protobufjs Root), as proto-utils uses it. */
const protoRoot = (): { lookupType(name: string): unknown; temporal: typeof temporal } => {
  const { patchProtobufRoot } = cjs('@temporalio/proto/lib/patch-protobuf-root') as {
    patchProtobufRoot(root: unknown): unknown;
  };
  return patchProtobufRoot(cjs('@temporalio/proto')) as ReturnType<typeof protoRoot>;
};
const historyType = (): unknown => protoRoot().lookupType('temporal.api.history.v1.History');
const isDuplicateProtobufjs = (e: unknown): boolean => e instanceof TypeError && e.message === 'type must be a Type';

export function historyToJSON(history: History): string {
  try {
    return protoUtils.historyToJSON(history);
  } catch (e) {
    if (!isDuplicateProtobufjs(e)) throw e;
    return JSON.stringify(
      protoJson().toJson(historyType(), protoRoot().temporal.api.history.v1.History.fromObject(history)),
      null,
      2,
    );
  }
}

export function historyFromJSON(json: unknown): History {
  try {
    return protoUtils.historyFromJSON(json);
  } catch (e) {
    if (!isDuplicateProtobufjs(e)) throw e;
    // Our fixtures are written by historyToJSON above, so their enums are already in EVENT_TYPE_… form.
    return protoJson().fromJson(historyType(), json, { ignoreUnknownFields: true }) as History;
  }
}

export type JsonEvent = Record<string, unknown> & { eventType?: string };
export type JsonHistory = { events: JsonEvent[] };

export const readFixture = (file: string): JsonHistory =>
  JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')) as JsonHistory;

/** Proto JSON names event types either `EVENT_TYPE_TIMER_STARTED` or `TimerStarted`, depending on the writer. */
export const isEventType = (e: JsonEvent, name: string): boolean =>
  e.eventType === name || e.eventType === `EVENT_TYPE_${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;


/** Records the recordings whose fixture file is missing, with a worker on a fresh task queue. */
export async function recordMissing(s: Services, recordings: Recording[]): Promise<void> {
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const missing = recordings.filter((r) => !existsSync(join(HISTORIES_DIR, r.file)));
  if (missing.length === 0) return;
  const tq = s.taskQueue();
  const worker = await s.startWorker(tq);
  for (const r of missing) {
    const h = await r.record(s, tq);
    const history = await h.fetchHistory();
    const path = join(HISTORIES_DIR, r.file);
    // Written in the repository's Prettier style, so `npm run format` leaves the recording alone.
    const text = await prettier.format(historyToJSON(history), { ...(await prettier.resolveConfig(path)), filepath: path });
    writeFileSync(path, text);
  }
  await worker.stop();
}
