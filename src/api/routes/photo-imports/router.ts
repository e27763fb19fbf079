import express, { Router } from 'express';
import { randomUUID } from 'node:crypto';
import { isAbsolute, join, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import type { ApiDeps } from '../../deps';
import { parsed, validate } from '../../validate';
import { badRequest, notFound } from '../../http-errors';
import { PhotoImport, PhotoImportItem } from '../../../db/entities';
import { importProgressQuery, photoImportWorkflowId, type ImportSource, type PhotoImportProgress } from '../../../workflows/contracts';
import type { bulkPhotoImport } from '../../../workflows/bulk-photo-import.workflow';
import { ensurePrivateDir, writePrivateFile } from '../../../security/private-files';

const folderBody = z.object({ folder: z.string().min(1).max(4096) }).strict();
const idParams = z.object({ id: z.string().uuid() });

/** Issue 3 §5: import a folder on the server, or an uploaded zip, of `<ci>.jpg|jpeg|png|webp|avif` files. */
export function photoImportsRouter(deps: ApiDeps): Router {
  const r = Router();
  const em = () => deps.orm.em.fork();

  const start = async (source: ImportSource) => {
    const id = randomUUID();
    const workflowId = photoImportWorkflowId(id);
    const fork = em();
    const row = new PhotoImport({ workflowId, sourceKind: source.kind, sourcePath: source.path });
    row.id = id;
    await fork.persistAndFlush(row);
    const handle = await deps.temporal.workflow.start<typeof bulkPhotoImport>('bulkPhotoImport', {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [{ importId: id, source }],
    });
    return { id, workflowId, runId: handle.firstExecutionRunId };
  };

  r.post('/', validate({ body: folderBody }), async (_req, res) => {
    const { body } = parsed<{ folder: string }>(res);
    if (deps.importRoot === undefined) throw badRequest('folder imports are not enabled (set PHOTO_IMPORT_ROOT)');
    const root = resolve(deps.importRoot);
    const folder = isAbsolute(body.folder) ? resolve(body.folder) : resolve(root, body.folder);
    // Only folders under the configured root: the API must not become a way to read the server's disk.
    if (folder !== root && !folder.startsWith(`${root}/`)) throw badRequest(`folder must be inside ${root}`);
    const st = await stat(folder).catch(() => null);
    if (st === null || !st.isDirectory()) throw badRequest(`${body.folder} is not a folder`);
    res.status(202).json(await start({ kind: 'folder', path: folder }));
  });

  r.post('/zip', express.raw({ type: ['application/zip', 'application/x-zip-compressed'], limit: deps.zipLimit }), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || req.body.length < 22 || req.body.readUInt32LE(0) !== 0x04034b50) {
      throw badRequest('send a zip file as the raw body with Content-Type application/zip');
    }
    // A zip of people's faces: owner-only, like everything under the data dir that holds people.
    const dir = join(deps.dataDir, 'imports');
    await ensurePrivateDir(dir);
    const path = join(dir, `${randomUUID()}.zip`);
    await writePrivateFile(path, req.body);
    res.status(202).json(await start({ kind: 'zip', path }));
  });

  r.get('/:id', validate({ params: idParams }), async (_req, res) => {
    const { params } = parsed<unknown, { id: string }>(res);
    const row = await em().findOne(PhotoImport, { id: params.id });
    if (row === null) throw notFound(`photo import ${params.id}`);
    let progress: PhotoImportProgress | null = null;
    if (row.state === 'running') {
      progress = await deps.temporal.workflow.getHandle(row.workflowId).query(importProgressQuery).catch(() => null);
    }
    res.json({
      id: row.id,
      workflowId: row.workflowId,
      source: { kind: row.sourceKind },
      state: progress?.state ?? row.state,
      total: progress?.total ?? row.total,
      processed: progress?.processed ?? row.processed,
      counts: progress?.counts ?? row.counts,
      finishedAt: row.finishedAt?.toISOString() ?? null,
    });
  });

  r.get('/:id/report.csv', validate({ params: idParams }), async (_req, res) => {
    const { params } = parsed<unknown, { id: string }>(res);
    const fork = em();
    if ((await fork.count(PhotoImport, { id: params.id })) === 0) throw notFound(`photo import ${params.id}`);
    const items = await fork.find(
      PhotoImportItem,
      { photoImport: params.id, outcome: { $nin: ['imported', 'unchanged'] } },
      { orderBy: { fileName: 'asc' } },
    );
    const csv = ['file,ci,outcome,reason', ...items.map((i) => [i.fileName, i.ci ?? '', i.outcome, i.reason ?? ''].map(csvCell).join(','))];
    res.type('text/csv').attachment(`photo-import-${params.id}-failures.csv`).send(`${csv.join('\r\n')}\r\n`);
  });

  return r;
}

/** RFC 4180 quoting, and a leading quote against spreadsheet formula injection. */
function csvCell(v: string): string {
  const safe = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
