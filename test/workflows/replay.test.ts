import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import * as protoUtils from '@temporalio/common/lib/proto-utils';
import type { History } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import * as prettier from 'prettier';
import { ReplayError, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import type { BulkSyncResult, SyncPersonResult } from '../../src/workflows/contracts';
import { startServices, type Services } from '../helpers/services';
import { addPeople } from '../helpers/people';

/**
 * Replay of recorded histories (sdk-typescript's tests): each fixture was recorded once on the real
 * server and is committed; today's workflow code must replay it without a determinism error. A fixture
 * is recorded only when its file is missing, so a committed one is never silently re-recorded — delete
 * it on purpose (and say why in the commit) when a workflow change is meant to be incompatible.
 */
const HISTORIES_DIR = join(__dirname, '..', 'fixtures', 'histories');

interface Recording {
  file: string;
  record(s: Services, taskQueue: string): Promise<WorkflowHandle>;
}

const RECORDINGS: Recording[] = [
  {
    // Three people, one with a 300×300 photo HikCentral rejects; no pacing, so no timers.
    file: 'bulk-career-sync.json',
    async record(s, taskQueue) {
      const career = `Replay ${randomUUID().slice(0, 8)}`;
      await addPeople(s.orm, career, 3, { small: [1] });
      const h = await s.temporal.workflow.start('bulkCareerSync', {
        taskQueue,
        workflowId: `replay-bulk-${randomUUID()}`,
        args: [{ career, pacingMs: 0 }],
      });
      const r: BulkSyncResult = await h.result();
      expect(r.counts).toEqual({ synced: 2, alreadyRegistered: 0, photoRejected: 1, failed: 0 });
      return h;
    },
  },
  {
    // Paced: the workflow sleeps between people, so the history has timers.
    file: 'bulk-career-sync-paced.json',
    async record(s, taskQueue) {
      const career = `Replay ${randomUUID().slice(0, 8)}`;
      await addPeople(s.orm, career, 3);
      const h = await s.temporal.workflow.start('bulkCareerSync', {
        taskQueue,
        workflowId: `replay-bulk-paced-${randomUUID()}`,
        args: [{ career, pacingMs: 400 }],
      });
      const r: BulkSyncResult = await h.result();
      expect(r.counts.synced).toBe(3);
      return h;
    },
  },
  {
    file: 'sync-person.json',
    async record(s, taskQueue) {
      const [person] = await addPeople(s.orm, `Replay ${randomUUID().slice(0, 8)}`, 1);
      const h = await s.temporal.workflow.start('syncPerson', {
        taskQueue,
        workflowId: `replay-sync-person-${randomUUID()}`,
        args: [{ ci: person!.ci }],
      });
      const r: SyncPersonResult = await h.result();
      expect(r.outcome).toBe('synced');
      return h;
    },
  },
];

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

function historyToJSON(history: History): string {
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

function historyFromJSON(json: unknown): History {
  try {
    return protoUtils.historyFromJSON(json);
  } catch (e) {
    if (!isDuplicateProtobufjs(e)) throw e;
    // Our fixtures are written by historyToJSON above, so their enums are already in EVENT_TYPE_… form.
    return protoJson().fromJson(historyType(), json, { ignoreUnknownFields: true }) as History;
  }
}

type JsonEvent = Record<string, unknown> & { eventType?: string };
type JsonHistory = { events: JsonEvent[] };

const readFixture = (file: string): JsonHistory =>
  JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')) as JsonHistory;

/** Proto JSON names event types either `EVENT_TYPE_TIMER_STARTED` or `TimerStarted`, depending on the writer. */
const isEventType = (e: JsonEvent, name: string): boolean =>
  e.eventType === name || e.eventType === `EVENT_TYPE_${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;

describe('workflow replay of recorded histories', () => {
  let s: Services;
  let replayOptions: ReplayWorkerOptions;

  beforeAll(async () => {
    s = await startServices();
    replayOptions = { workflowBundle: s.workflowBundle };
    mkdirSync(HISTORIES_DIR, { recursive: true });
    const missing = RECORDINGS.filter((r) => !existsSync(join(HISTORIES_DIR, r.file)));
    if (missing.length === 0) return;
    const tq = s.taskQueue();
    const worker = await s.startWorker(tq);
    for (const r of missing) {
      const h = await r.record(s, tq);
      const history = await h.fetchHistory();
      const path = join(HISTORIES_DIR, r.file);
      // Written in the repository's Prettier style, so `npm run format` leaves the recording alone.
      const text = await prettier.format(historyToJSON(history), {
        ...(await prettier.resolveConfig(path)),
        filepath: path,
      });
      writeFileSync(path, text);
    }
    await worker.stop();
  });
  afterAll(async () => {
    await s?.close();
  });

  const fixtures = (): string[] =>
    readdirSync(HISTORIES_DIR)
      .filter((f) => f.endsWith('.json'))
      .sort();
  const load = (file: string): History => historyFromJSON(readFixture(file));

  it('should have a recorded history for every workflow type', () => {
    expect(fixtures()).toEqual(expect.arrayContaining(RECORDINGS.map((r) => r.file)));
    const types = new Set(
      fixtures().map(
        (f) =>
          (readFixture(f).events[0]?.workflowExecutionStartedEventAttributes as { workflowType?: { name?: string } })
            ?.workflowType?.name,
      ),
    );
    expect([...types].sort()).toEqual(['bulkCareerSync', 'syncPerson']);
  });

  it('should replay every recorded history without a determinism error', async () => {
    const histories = fixtures().map((f) => ({ workflowId: basename(f, '.json'), history: load(f) }));
    expect(histories.length).toBeGreaterThanOrEqual(RECORDINGS.length);
    const results = [];
    for await (const r of Worker.runReplayHistories(replayOptions, histories)) results.push(r);
    expect(results.map((r) => ({ workflowId: r.workflowId, error: r.error?.message }))).toEqual(
      histories.map((h) => ({ workflowId: h.workflowId, error: undefined })),
    );
  });

  it('should replay a single history with runReplayHistory', async () => {
    await expect(
      Worker.runReplayHistory(replayOptions, load('sync-person.json'), 'sync-person'),
    ).resolves.toBeUndefined();
  });

  it('given a history whose first scheduled activity has another type, should fail with a DeterminismViolationError', async () => {
    const broken = readFixture('bulk-career-sync.json');
    const scheduled = broken.events.find((e) => isEventType(e, 'ActivityTaskScheduled'));
    const attrs = scheduled?.activityTaskScheduledEventAttributes as { activityType: { name: string } } | undefined;
    expect(attrs?.activityType.name).toBe('countPeople');
    attrs!.activityType.name = 'countPeopleRenamed';
    const err = await Worker.runReplayHistory(replayOptions, historyFromJSON(broken), 'broken-activity-type').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeterminismViolationError);
  });

  it('given a paced history replayed by code that no longer sleeps between people, should fail with a DeterminismViolationError', async () => {
    const broken = readFixture('bulk-career-sync-paced.json');
    expect(broken.events.filter((e) => isEventType(e, 'TimerStarted')).length).toBeGreaterThanOrEqual(1);
    // The recorded input asked for pacingMs 400; with 0 the workflow schedules the next person's
    // activity where the history has a TimerStarted.
    const started = broken.events[0]?.workflowExecutionStartedEventAttributes as {
      input: { payloads: Array<{ data: string }> };
    };
    const payload = started.input.payloads[0]!;
    const input = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as { pacingMs: number };
    expect(input.pacingMs).toBe(400);
    payload.data = Buffer.from(JSON.stringify({ ...input, pacingMs: 0 })).toString('base64');
    const err = await Worker.runReplayHistory(replayOptions, historyFromJSON(broken), 'broken-no-timer').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeterminismViolationError);
  });

  it('given a history with its first TimerStarted event dropped, should refuse to replay it', async () => {
    const broken = readFixture('bulk-career-sync-paced.json');
    const timer = broken.events.find((e) => isEventType(e, 'TimerStarted'));
    broken.events.splice(broken.events.indexOf(timer!), 1);
    // Core sees the gap in event ids before any command comparison ("History is out of order"):
    // a ReplayError rather than a DeterminismViolationError, but never a successful replay.
    const err = await Worker.runReplayHistory(replayOptions, historyFromJSON(broken), 'broken-dropped-timer').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ReplayError);
  });
});
