import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import { ReplayError, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import {
  enrollProgressQuery,
  deviceFullResyncWorkflowId,
  deviceSyncProgressQuery,
  deviceSyncWorkflowId,
  type BulkSyncResult,
  type DeviceResyncResult,
  type EnrollOnTerminalResult,
  type SyncPersonResult,
  type SyncTerminalResult,
} from '../../src/contracts';
import { SEED_CAPTURE_MODEL, UPLOAD_MODEL } from '../../src/targets/terminals/simulator/simulator';
import { terminalWithSimulator } from '../helpers/terminals';
import { startServices, type Services } from '../helpers/services';
import { addPeople } from '../helpers/people';
import {
  HISTORIES_DIR,
  historyFromJSON,
  isEventType,
  readFixture,
  recordMissing,
  type Recording,
} from '../helpers/replay';
import { eventually, newCareer, startDeviceStack, type DeviceStack } from '../gateway/device-harness';

/**
 * Replay of recorded histories (sdk-typescript's tests): today's workflow code must replay every
 * committed fixture without a determinism error. Delete a fixture on purpose (and say why in the
 * commit) when a workflow change is meant to be incompatible; it is then recorded again.
 */

/**
 * Runs a device recording on a gateway and a worker with the device link, on the replay test's services, and
 * leaves nothing running: the gateway closes first (no more signalWithStart from presence or the queue), then the
 * devices' workflows are terminated — the long-lived `deviceSync` never ends by itself, so its fixture ends with
 * the termination — and the devices and the worker stop.
 */
async function withDeviceStack<T>(s: Services, run: (k: DeviceStack) => Promise<T>): Promise<T> {
  const k = await startDeviceStack({ services: s });
  const workflowIds = async () =>
    (await k.sql<{ id: string }>('select id from device')).flatMap(({ id }) => [
      deviceFullResyncWorkflowId(id),
      deviceSyncWorkflowId(id),
    ]);
  let result: T;
  try {
    result = await run(k);
  } finally {
    await k.gateway.close();
    for (const wid of await workflowIds()) {
      await s.temporal.workflow
        .getHandle(wid)
        .terminate('replay recording done')
        .catch(() => undefined);
    }
    await k.close();
  }
  for (const wid of await workflowIds()) {
    const status = await s.temporal.workflow
      .getHandle(wid)
      .describe()
      .then((d) => d.status.name);
    expect(status, wid).not.toBe('RUNNING');
  }
  return result;
}

/** A connected device holding a fresh career of `people` people, its `deviceSync` idle after the first push. */
async function deviceHoldingCareer(s: Services, k: DeviceStack, people: number, userSyncSize: number) {
  const career = newCareer('Replay');
  await k.addPeople(career, people);
  const { id, secret } = await k.addDevice({ careers: [career], model: { userSyncSize } });
  const d = await k.startDevice(id, secret);
  const sync = s.temporal.workflow.getHandle(deviceSyncWorkflowId(id));
  await eventually(
    async () => d.users().length === people && (await sync.query(deviceSyncProgressQuery)).state === 'idle',
    'the first push',
  );
  return { id, d, sync };
}

/** A full resync of 5 people in batches of 2 whose device is busy at first (§1 code 2), to its result. */
function recordBusyResync(s: Services): Promise<WorkflowHandle> {
  return withDeviceStack(s, async (k) => {
    const { id, d } = await deviceHoldingCareer(s, k, 5, 2);
    d.setBusy(2500);
    await k.requestResync(id);
    const h = s.temporal.workflow.getHandle(deviceFullResyncWorkflowId(id));
    const r = await eventually(async (): Promise<DeviceResyncResult> => h.result(), 'the resync result');
    expect(r).toMatchObject({ state: 'completed', total: 5, sent: 5 });
    expect(r.busyPauses).toBeGreaterThanOrEqual(1);
    return h;
  });
}

/** Seed-002 model: a capture enrolment to its result, the simulator presenting a face 300 ms into the capture. */
async function recordCaptureEnrolment(s: Services, taskQueue: string): Promise<WorkflowHandle> {
  const t = await terminalWithSimulator(s.orm, s.secrets, {
    model: SEED_CAPTURE_MODEL,
    capture: { presentAfterMs: 300 },
  });
  try {
    const [person] = await addPeople(s.orm, `Replay ${randomUUID().slice(0, 8)}`, 1, { noPhoto: [0] });
    const h = await s.temporal.workflow.start('enrollOnTerminal', {
      taskQueue,
      workflowId: `replay-enroll-${randomUUID()}`,
      args: [{ ci: person!.ci, terminalId: t.terminalId, method: 'auto' }],
    });
    const r: EnrollOnTerminalResult = await h.result();
    expect(r).toMatchObject({ outcome: 'enrolled', method: 'capture' });
    return h;
  } finally {
    await t.close();
  }
}

const RECORDINGS: Recording[] = [
  {
    // Three people, one with a 300×300 photo HikCentral rejects; no pacing, so no timers.
    file: 'bulk-career-sync.json',
    async record(s, taskQueue) {
      const career = newCareer('Replay');
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
      const career = newCareer('Replay');
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
  {
    // Seed-002 model: the user is added, a face is captured (the simulator presents one) and bound by URL. Recorded
    // before TERMINAL_CAPTURE_LIFECYCLE, so it replays the path without capture rows opened by the workflow.
    file: 'enroll-on-terminal.json',
    record: recordCaptureEnrolment,
  },
  {
    // The same since TERMINAL_CAPTURE_LIFECYCLE: the attempt's row is opened first, the photo adopted after the bind.
    file: 'enroll-on-terminal-capture-lifecycle.json',
    record: recordCaptureEnrolment,
  },
  {
    // Cancelled while the terminal waits for a face: the run withdraws its capture, then records the cancel.
    file: 'enroll-on-terminal-cancelled.json',
    async record(s, taskQueue) {
      const t = await terminalWithSimulator(s.orm, s.secrets, {
        model: SEED_CAPTURE_MODEL,
        capture: { presentAfterMs: null, holdMs: 300 },
      });
      try {
        const [person] = await addPeople(s.orm, `Replay ${randomUUID().slice(0, 8)}`, 1, { noPhoto: [0] });
        const h = await s.temporal.workflow.start('enrollOnTerminal', {
          taskQueue,
          workflowId: `replay-enroll-cancel-${randomUUID()}`,
          args: [{ ci: person!.ci, terminalId: t.terminalId, method: 'capture', captureTimeoutMs: 60_000 }],
        });
        await eventually(
          async () => (await h.query(enrollProgressQuery)).stage === 'waitingForFace' && t.sim.controls.isCapturing(),
          'waiting for a face',
        );
        await h.cancel();
        await expect(h.result()).rejects.toThrow(WorkflowFailedError);
        return h;
      } finally {
        await t.close();
      }
    },
  },
  {
    // Upload model, the terminal busy at first: the run pauses on a timer, then adds everyone.
    file: 'sync-terminal.json',
    async record(s, taskQueue) {
      const career = newCareer('Replay');
      await addPeople(s.orm, career, 3);
      const t = await terminalWithSimulator(s.orm, s.secrets, { model: UPLOAD_MODEL, careers: [career] });
      try {
        // Its zone is read at probe, so the incremental planning below asks nothing of the terminal.
        await s.temporal.workflow.execute('readTerminalCapabilities', {
          taskQueue,
          workflowId: `replay-probe-${randomUUID()}`,
          args: [{ terminalId: t.terminalId }],
        });
        t.sim.controls.busyNext(1);
        const h = await s.temporal.workflow.start('syncTerminal', {
          taskQueue,
          workflowId: `replay-sync-terminal-${randomUUID()}`,
          // Incremental: planning asks nothing of the terminal, so the busy answer meets the first write.
          args: [{ terminalId: t.terminalId, mode: 'incremental', busyPauseMs: 300, batchSize: 2 }],
        });
        const r: SyncTerminalResult = await h.result();
        expect(r).toMatchObject({ state: 'completed', busyPauses: 1, counts: { added: 3 } });
        return h;
      } finally {
        await t.close();
      }
    },
  },
  {
    // The device's entity workflow: started by the gateway when the device connects, pushes 7 people
    // in batches of 3, evaluates the device's check, then runs a manual resync as its child.
    file: 'device-sync.json',
    record: (s) =>
      withDeviceStack(s, async (k) => {
        const { id, d, sync: h } = await deviceHoldingCareer(s, k, 7, 3);
        await k.requestResync(id);
        const p = await eventually(async () => {
          const q = await h.query(deviceSyncProgressQuery);
          return q.counters.resyncs === 1 && q.state === 'idle' && q.resync === null ? q : undefined;
        }, 'the resync to finish');
        expect(p.counters.batches).toBeGreaterThanOrEqual(3);
        expect(d.userSyncLog.filter((m) => m.reset === true)).toHaveLength(1);
        return h;
      }),
  },
  {
    // A full resync of 5 people in batches of 2, the device busy at first (§1 code 2): the run pauses on a
    // timer, then streams everyone with reset on the first message. Recorded before RESYNC_BEGINS_IN_PUSH, so it
    // replays the path with a separate `beginFullResync` activity.
    file: 'device-full-resync.json',
    record: recordBusyResync,
  },
  {
    // The same run since RESYNC_BEGINS_IN_PUSH: the first push begins the run.
    file: 'device-full-resync-begins-in-push.json',
    record: recordBusyResync,
  },
];

/** The activity types a fixture scheduled, in order. */
const scheduledActivities = (file: string): string[] =>
  readFixture(file)
    .events.filter((e) => isEventType(e, 'ActivityTaskScheduled'))
    .map((e) => (e.activityTaskScheduledEventAttributes as { activityType: { name: string } }).activityType.name);
/** Patch markers (`patched()`) a fixture recorded. */
const markers = (file: string): number =>
  readFixture(file).events.filter((e) => isEventType(e, 'MarkerRecorded')).length;

describe('workflow replay of recorded histories', () => {
  let s: Services;
  let replayOptions: ReplayWorkerOptions;

  beforeAll(async () => {
    s = await startServices();
    replayOptions = { workflowBundle: s.workflowBundle };
    await recordMissing(s, RECORDINGS);
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
    expect([...types].sort()).toEqual(
      expect.arrayContaining([
        'bulkCareerSync',
        'deviceFullResync',
        'deviceSync',
        'enrollOnTerminal',
        'syncPerson',
        'syncTerminal',
      ]),
    );
  });

  it('should hold a full resync from before and after RESYNC_BEGINS_IN_PUSH, so both paths replay', () => {
    expect(scheduledActivities('device-full-resync.json')[0]).toBe('beginFullResync');
    expect(markers('device-full-resync.json')).toBe(0);
    expect(scheduledActivities('device-full-resync-begins-in-push.json')).not.toContain('beginFullResync');
    expect(scheduledActivities('device-full-resync-begins-in-push.json')[0]).toBe('pushFullResync');
    expect(markers('device-full-resync-begins-in-push.json')).toBe(1);
  });

  it('should hold an enrolment from before and after TERMINAL_CAPTURE_LIFECYCLE, and a cancelled one, so every path replays', () => {
    expect(markers('enroll-on-terminal.json')).toBe(0);
    expect(scheduledActivities('enroll-on-terminal.json')).not.toContain('openTerminalCapture');
    expect(markers('enroll-on-terminal-capture-lifecycle.json')).toBe(1);
    expect(scheduledActivities('enroll-on-terminal-capture-lifecycle.json')).toEqual(
      expect.arrayContaining([
        'openTerminalCapture',
        'captureTerminalFace',
        'bindCapturedFace',
        'verifyTerminalFace',
        'adoptCapturedPhoto',
      ]),
    );
    expect(scheduledActivities('enroll-on-terminal-cancelled.json').slice(-2)).toEqual([
      'withdrawTerminalCaptures',
      'recordTerminalEnrolment',
    ]);
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
