import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import yazl from 'yazl';
import { Person, PhotoImport } from '../../src/db/entities';
import { FailureType, type ImportSource } from '../../src/contracts';
import type { bulkPhotoImport } from '../../src/workflows/photos/bulk-photo-import.workflow';
import { startServices, type Services } from '../helpers/services';
import { startApi, type TestApi } from '../helpers/api';
import { addPeople, waitFor } from '../helpers/people';
import { frontalPortrait } from '../helpers/faces';

/** A zip of the files given; `mode` sets an entry's Unix mode (its external attributes), e.g. a symbolic link. */
async function zipOf(files: Array<{ name: string; data: Buffer; mode?: number }>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const f of files) zip.addBuffer(f.data, f.name, f.mode !== undefined ? { mode: f.mode } : {});
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** yazl refuses unsafe names, as a zip writer should: a placeholder of the same length is swapped for one after. */
const renamed = (zip: Buffer, placeholder: string, name: string): Buffer =>
  Buffer.from(zip.toString('latin1').split(placeholder).join(name), 'latin1');

const PHOTO = Buffer.from('not decoded: the archive is refused before any entry is read');

/** Archives no export of a folder of photos produces; each must fail the import as a whole, with its reason. */
const BAD_ARCHIVES: Array<[string, () => Promise<Buffer>, RegExp]> = [
  [
    'a corrupt zip (central directory cut off)',
    async () => {
      const ok = await zipOf([{ name: '12345678.jpg', data: PHOTO }]);
      return ok.subarray(0, ok.length - 30);
    },
    /the zip cannot be read/,
  ],
  [
    'an entry outside the folder (../evil.jpg)',
    async () => renamed(await zipOf([{ name: 'xx/evil.jpg', data: PHOTO }]), 'xx/evil.jpg', '../evil.jpg'),
    /"\.\.\/evil\.jpg" points outside the folder/,
  ],
  [
    'an absolute entry (/etc/evil.jpg)',
    async () => renamed(await zipOf([{ name: 'Xetc/evil.jpg', data: PHOTO }]), 'Xetc/evil.jpg', '/etc/evil.jpg'),
    /"\/etc\/evil\.jpg" is an absolute path/,
  ],
  [
    'a symbolic link entry',
    async () => zipOf([{ name: '12345678.jpg', data: Buffer.from('/etc/passwd'), mode: 0o120777 }]),
    /"12345678\.jpg" is a symbolic link/,
  ],
];

describe('photo import sources that cannot be imported (real Temporal, PostgreSQL and file system)', () => {
  let s: Services;
  let api: TestApi;
  let tq: string;
  /** Outside the import root (the test's data dir): what links must not reach. */
  let outside: string;

  beforeAll(async () => {
    s = await startServices();
    tq = s.taskQueue();
    await s.startWorker(tq);
    api = await startApi(s, tq);
    outside = mkdtempSync(join(tmpdir(), 'gatesync-outside-root-'));
  });
  afterAll(async () => {
    await api?.close();
    await s?.close();
    if (outside !== undefined) rmSync(outside, { recursive: true, force: true });
  });

  /** The import as the API starts it, but with a source the API would have refused: the worker's side on its own. */
  const startImport = async (
    source: ImportSource,
    taskQueue = tq,
  ): Promise<{ id: string; handle: WorkflowHandle<typeof bulkPhotoImport> }> => {
    const id = randomUUID();
    const row = new PhotoImport({ workflowId: `test-import-${id}`, sourceKind: source.kind, sourcePath: source.path });
    row.id = id;
    await s.orm.em.fork().persistAndFlush(row);
    const handle = await s.temporal.workflow.start<typeof bulkPhotoImport>('bulkPhotoImport', {
      taskQueue,
      workflowId: row.workflowId,
      args: [{ importId: id, source }],
    });
    return { id, handle };
  };

  /** The workflow failed as ImportSourceInvalid after one attempt of one activity, and the import says why. */
  const expectFailedAtOnce = async (id: string, handle: WorkflowHandle, reason: RegExp) => {
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe(FailureType.ImportSourceInvalid);
    // The activity that met the bad source ran once: its attempt number is recorded when it started.
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = new Map(
      events.map((e) => [Number(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name]),
    );
    const attempts = events.flatMap((e) => {
      const started = e.activityTaskStartedEventAttributes;
      return started ? [[scheduled.get(Number(started.scheduledEventId)), started.attempt]] : [];
    });
    expect(attempts).toEqual([
      ['countImportEntries', 1],
      ['updatePhotoImport', 1],
    ]);
    const shown = await api.request('GET', `/api/photo-imports/${id}`);
    expect(shown.json).toMatchObject({ state: 'failed', reason: expect.stringMatching(reason) });
    expect(shown.json.finishedAt).not.toBeNull();
  };

  const importsOnDisk = () =>
    existsSync(join(s.dataDir, 'imports')) ? readdirSync(join(s.dataDir, 'imports')).length : 0;

  it.each(BAD_ARCHIVES)(
    'given an upload that is %s, should answer 400 with the reason and store nothing',
    async (_what, make, reason) => {
      const rows = await s.orm.em.fork().count(PhotoImport, {});
      const files = importsOnDisk();
      const r = await api.request('POST', '/api/photo-imports/zip', {
        raw: await make(),
        contentType: 'application/zip',
      });
      expect(r.status).toBe(400);
      expect(r.json.error).toMatch(reason);
      expect(await s.orm.em.fork().count(PhotoImport, {})).toBe(rows);
      expect(importsOnDisk()).toBe(files);
    },
  );

  it.each(BAD_ARCHIVES)(
    'given %s on the worker’s side, should fail the import at once with its reason, never retried',
    async (_what, make, reason) => {
      const path = join(s.dataDir, `${randomUUID()}.zip`);
      writeFileSync(path, await make());
      const { id, handle } = await startImport({ kind: 'zip', path });
      await expectFailedAtOnce(id, handle, reason);
    },
  );

  it('given an import folder that is gone, or is a file, should fail at once with the reason', async () => {
    const gone = await startImport({ kind: 'folder', path: join(s.dataDir, `gone-${randomUUID()}`) });
    await expectFailedAtOnce(gone.id, gone.handle, /the import folder does not exist/);
    const file = join(s.dataDir, `file-${randomUUID()}.jpg`);
    writeFileSync(file, PHOTO);
    const notAFolder = await startImport({ kind: 'folder', path: file });
    await expectFailedAtOnce(notAFolder.id, notAFolder.handle, /is not a folder/);
  });

  it('given a folder under the import root that links outside it, should answer 400 and start nothing', async () => {
    const link = `escape-${randomUUID()}`;
    symlinkSync(outside, join(s.dataDir, link));
    const rows = await s.orm.em.fork().count(PhotoImport, {});
    const r = await api.request('POST', '/api/photo-imports', { body: { folder: link } });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({
      problem: 'outsideRoot',
      error: expect.stringMatching(/leads outside .* through a symbolic link/),
    });
    // Spelled absolutely, or through the link's own sub-folder: the same.
    mkdirSync(join(outside, 'sub'), { recursive: true });
    for (const folder of [join(s.dataDir, link), `${link}/sub`]) {
      expect((await api.request('POST', '/api/photo-imports', { body: { folder } })).status).toBe(400);
    }
    expect(await s.orm.em.fork().count(PhotoImport, {})).toBe(rows);
  });

  it('given links inside an import folder, should read the one to a file in the folder and refuse the one leading outside', async () => {
    const people = await addPeople(s.orm, `Links ${randomUUID().slice(0, 6)}`, 2, { noPhoto: [0, 1] });
    const [inside, escaping] = people.map((p) => p.ci) as [string, string];
    const folder = join(s.dataDir, `links-${randomUUID()}`);
    mkdirSync(join(folder, 'originals'), { recursive: true });
    writeFileSync(join(folder, 'originals', 'portrait.jpg'), await frontalPortrait(0));
    symlinkSync(join(folder, 'originals', 'portrait.jpg'), join(folder, `${inside}.jpg`));
    // A readable photo outside the root, named as a person's: it must not be imported through the link.
    writeFileSync(join(outside, 'secret.jpg'), await frontalPortrait(1));
    symlinkSync(join(outside, 'secret.jpg'), join(folder, `${escaping}.jpg`));

    const started = await api.request('POST', '/api/photo-imports', { body: { folder } });
    expect(started.status).toBe(202);
    const done = await waitFor(async () => {
      const r = await api.request('GET', `/api/photo-imports/${started.json.id}`);
      return r.json?.state === 'completed' ? r.json : undefined;
    }, 'import completed');
    expect(done.counts).toMatchObject({ imported: 1, unreadable: 1 });
    const em = s.orm.em.fork();
    expect((await em.findOneOrFail(Person, { ci: inside })).photoVersion).toMatch(/^[0-9a-f]{64}$/);
    expect((await em.findOneOrFail(Person, { ci: escaping })).photoVersion ?? null).toBeNull();
    const csv = (await api.request('GET', `/api/photo-imports/${started.json.id}/report.csv`)).bytes.toString('utf8');
    expect(csv).toContain(
      `${escaping}.jpg,${escaping},unreadable,a symbolic link to outside the import folder; not read`,
    );
  });

  it('given a run that was terminated (no workflow code runs then), should show the import as failed, not running', async () => {
    const folder = join(s.dataDir, `terminated-${randomUUID()}`);
    mkdirSync(folder);
    // A task queue no worker polls: the run never starts its work, and is terminated.
    const { id, handle } = await startImport({ kind: 'folder', path: folder }, s.taskQueue());
    await handle.terminate('operator stopped it');
    const shown = await api.request('GET', `/api/photo-imports/${id}`);
    expect(shown.json).toMatchObject({ state: 'failed', reason: expect.stringMatching(/ended terminated/) });
    expect((await s.orm.em.fork().findOneOrFail(PhotoImport, { id })).state).toBe('failed');
  });
});
