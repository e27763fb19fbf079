import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PhotoImport } from '../../src/db/entities';
import type { PhotoImportResult } from '../../src/contracts';
import { TEST_APP_KEY, TEST_APP_SECRET, startServices, type Services } from '../helpers/services';
import { addPeople, jpeg, waitFor } from '../helpers/people';

describe('bulkPhotoImport after a worker is killed mid-batch (real worker process, SIGKILL)', () => {
  let s: Services;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    s = await startServices({ photos: { faceChecks: 'off' } });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await s?.close();
  });

  /** The production worker entry (`npm run worker`) in its own process, so it can really die. */
  const startWorkerProcess = (taskQueue: string): ChildProcess =>
    spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../../src/worker/main.ts')], {
      env: {
        ...process.env,
        DATABASE_URL: s.databaseUrl,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: taskQueue,
        GATESYNC_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
        HIKCENTRAL_URL: s.simulator.url,
        HIKCENTRAL_APP_KEY: TEST_APP_KEY,
        HIKCENTRAL_APP_SECRET: TEST_APP_SECRET,
        HIKCENTRAL_ORG_INDEX_CODE: '2',
        LOG_LEVEL: 'error',
        // Generated pictures without faces: this test is about resuming, the face checks have their own.
        PHOTO_FACE_CHECKS: 'off',
        GATESYNC_SECRET_KEY: 'ab'.repeat(32),
        // The import is photos work; a worker of the devices queue would also need the broker account.
        WORKER_QUEUES: 'photos',
      },
      stdio: 'ignore',
    });

  it('should resume where it stopped on another worker and import every file exactly once', async () => {
    const people = await addPeople(s.orm, `Restart ${randomUUID().slice(0, 6)}`, 60, { noPhoto: Array.from({ length: 60 }, (_, i) => i) });
    const folder = join(s.dataDir, `restart-${randomUUID()}`);
    mkdirSync(folder, { recursive: true });
    for (const [i, p] of people.entries()) writeFileSync(join(folder, `${p.ci}.jpg`), await jpeg(900, 100 + i));

    const tq = s.taskQueue();
    const importId = randomUUID();
    const row = new PhotoImport({ workflowId: `test-restart-${importId}`, sourceKind: 'folder', sourcePath: folder });
    row.id = importId;
    await s.orm.em.fork().persistAndFlush(row);
    child = startWorkerProcess(tq);
    // One batch holds every file, so only the activity's heartbeat can carry progress across the crash.
    const handle = await s.temporal.workflow.start('bulkPhotoImport', {
      taskQueue: tq,
      workflowId: `test-restart-${importId}`,
      args: [{ importId, source: { kind: 'folder', path: folder }, batchSize: 100 }],
    });
    const conn = s.orm.em.getConnection();
    const items = async () => Number((await conn.execute<{ n: string }[]>('select count(*) as n from photo_import_item where photo_import_id = ?', [importId]))[0]?.n);
    await waitFor(async () => (await items()) >= 25, '25 files imported by the first worker', 60_000);
    child.kill('SIGKILL');
    const beforeKill = await items();
    expect(beforeKill).toBeLessThan(60);

    await s.startWorker(tq);
    const result: PhotoImportResult = await handle.result();
    expect(result).toMatchObject({ total: 60, processed: 60, state: 'completed' });
    expect(result.counts.imported).toBe(60);
    // No file was handled twice: a photo and its outcome commit together, and the retry skips recorded files.
    const redone = Number(
      (await conn.execute<{ n: string }[]>('select count(*) as n from photo_import_item where photo_import_id = ? and updated_at > created_at', [importId]))[0]?.n,
    );
    expect(redone).toBe(0);
  }, 180_000);
});
