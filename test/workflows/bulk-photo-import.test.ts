import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yazl from 'yazl';
import { Person, PhotoImport } from '../../src/db/entities';
import type { PhotoImportResult } from '../../src/contracts';
import { startServices, type Services } from '../helpers/services';
import { startApi, type TestApi } from '../helpers/api';
import { addPeople, jpeg, waitFor } from '../helpers/people';
import { frontalPortrait } from '../helpers/faces';

describe('bulkPhotoImport workflow (real Temporal and PostgreSQL; folder and zip dumps)', () => {
  let s: Services;
  let api: TestApi;
  let tq: string;

  beforeAll(async () => {
    s = await startServices();
    tq = s.taskQueue();
    await s.startWorker(tq);
    api = await startApi(s, tq);
  });
  afterAll(async () => {
    await api?.close();
    await s?.close();
  });

  /** ci0: a real frontal face (a different person per dump); ci1: 300×300 without a face; unknown ci; ci2: not an image; a stray text file. */
  const dump = async (face: number): Promise<{ files: Record<string, Buffer>; cis: string[] }> => {
    const people = await addPeople(s.orm, `Import ${randomUUID().slice(0, 6)}`, 3, { noPhoto: [0, 1, 2] });
    const cis = people.map((p) => p.ci);
    return {
      cis,
      files: {
        [`${cis[0]}.jpg`]: await frontalPortrait(face),
        [`${cis[1]}.png`]: await jpeg(300, 32),
        '99999991.jpg': await jpeg(520, 33),
        [`sub/${cis[2]}.jpeg`]: Buffer.from('this is not a jpeg'),
        'notes.txt': Buffer.from('photos from the 2026 intake'),
      },
    };
  };

  const waitDone = (id: string) =>
    waitFor(async () => {
      const r = await api.request('GET', `/api/photo-imports/${id}`);
      return r.json?.state === 'completed' ? r.json : undefined;
    }, 'import completed');

  it('given a folder, should import each file with its outcome, and offer the failures as CSV', async () => {
    const { files, cis } = await dump(0);
    const folder = join(s.dataDir, `dump-${randomUUID()}`);
    for (const [name, data] of Object.entries(files)) {
      mkdirSync(join(folder, name, '..'), { recursive: true });
      writeFileSync(join(folder, name), data);
    }
    const started = await api.request('POST', '/api/photo-imports', { body: { folder } });
    expect(started.status).toBe(202);
    const done = await waitDone(started.json.id);
    expect(done).toMatchObject({ total: 5, processed: 5 });
    expect(done.counts).toEqual({ imported: 1, unchanged: 0, unknownCi: 1, failedCheck: 1, unreadable: 1, skipped: 1 });

    const em = s.orm.em.fork();
    expect((await em.findOneOrFail(Person, { ci: cis[0] })).photoVersion).toMatch(/^[0-9a-f]{64}$/);
    // A photo that fails a rule is kept with its reason (and will not be pushed); an unreadable file is not.
    expect((await em.findOneOrFail(Person, { ci: cis[1] })).photoVersion).not.toBeNull();
    expect((await em.findOneOrFail(Person, { ci: cis[2] })).photoVersion ?? null).toBeNull();

    const csv = await api.request('GET', `/api/photo-imports/${started.json.id}/report.csv`);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = csv.bytes.toString('utf8').trim().split('\r\n');
    expect(lines[0]).toBe('file,ci,outcome,reason');
    expect(lines.slice(1).map((l) => l.split(',')[2]).sort()).toEqual(['failedCheck', 'skipped', 'unknownCi', 'unreadable']);
    expect(lines.find((l) => l.includes('failedCheck'))).toMatch(/minResolution/);
    expect(lines.find((l) => l.includes('failedCheck'))).toMatch(/exactlyOneFace: no face found/);
  });

  it('given file names that would start a spreadsheet formula, should write them to the report as text', async () => {
    const names = ['=1+1.txt', '+1.txt', '-1.txt', '@SUM(A1).txt', '\t=1+1.txt', '\r=1+1.txt'];
    const folder = join(s.dataDir, `formulas-${randomUUID()}`);
    mkdirSync(folder);
    for (const name of names) writeFileSync(join(folder, name), 'not a photo');
    const started = await api.request('POST', '/api/photo-imports', { body: { folder } });
    await waitDone(started.json.id);
    const csv = (await api.request('GET', `/api/photo-imports/${started.json.id}/report.csv`)).bytes.toString('utf8');
    const cells = csv.trim().split('\r\n').slice(1).map((line) => line.slice(0, line.indexOf(',skipped')));
    expect(cells).toHaveLength(names.length);
    // Each starts with the quote that makes it text (inside RFC 4180 quotes where it needs them).
    for (const cell of cells) expect(cell).toMatch(/^"?'/);
  });

  it('given the same dump as an uploaded zip, should find the unchanged photo and import nothing twice', async () => {
    const { files, cis } = await dump(1);
    const zip = new yazl.ZipFile();
    for (const [name, data] of Object.entries(files)) zip.addBuffer(data, name);
    zip.end();
    const chunks: Buffer[] = [];
    for await (const c of zip.outputStream) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);

    const first = await api.request('POST', '/api/photo-imports/zip', { raw: body, contentType: 'application/zip' });
    expect(first.status).toBe(202);
    expect((await waitDone(first.json.id)).counts).toMatchObject({ imported: 1, unknownCi: 1, failedCheck: 1, unreadable: 1, skipped: 1 });
    const second = await api.request('POST', '/api/photo-imports/zip', { raw: body, contentType: 'application/zip' });
    expect((await waitDone(second.json.id)).counts).toMatchObject({ imported: 0, unchanged: 1, failedCheck: 1 });
    expect((await s.orm.em.fork().findOneOrFail(Person, { ci: cis[0] })).photoVersion).toMatch(/^[0-9a-f]{64}$/);
  });

  it('should refuse a body that is not a zip, a folder outside the import root, and a missing folder', async () => {
    expect((await api.request('POST', '/api/photo-imports/zip', { raw: Buffer.from('nope'), contentType: 'application/zip' })).status).toBe(400);
    expect((await api.request('POST', '/api/photo-imports', { body: { folder: '/etc' } })).status).toBe(400);
    expect((await api.request('POST', '/api/photo-imports', { body: { folder: join(s.dataDir, 'missing') } })).status).toBe(400);
    expect(await s.orm.em.fork().count(PhotoImport, {})).toBeGreaterThanOrEqual(0);
  });

  it('given many files and a low history threshold, should continue as new and still count every file once', async () => {
    const people = await addPeople(s.orm, `Import ${randomUUID().slice(0, 6)}`, 12, { noPhoto: Array.from({ length: 12 }, (_, i) => i) });
    const folder = join(s.dataDir, `many-${randomUUID()}`);
    mkdirSync(folder, { recursive: true });
    for (const [i, p] of people.entries()) writeFileSync(join(folder, `${p.ci}.jpg`), await jpeg(480, 40 + i));
    const importId = randomUUID();
    const row = new PhotoImport({ workflowId: `test-import-${importId}`, sourceKind: 'folder', sourcePath: folder });
    row.id = importId;
    await s.orm.em.fork().persistAndFlush(row);
    const result: PhotoImportResult = await s.temporal.workflow.execute('bulkPhotoImport', {
      taskQueue: tq,
      workflowId: `test-import-${importId}`,
      args: [{ importId, source: { kind: 'folder', path: folder }, batchSize: 2, continueAsNewAfterEvents: 12 }],
    });
    expect(result).toMatchObject({ total: 12, processed: 12, state: 'completed' });
    // Generated pictures carry no face: each is stored with its failed check, and counted once.
    expect(result.counts.failedCheck).toBe(12);
    expect(result.continuedAsNew).toBeGreaterThanOrEqual(2);
  });
});
