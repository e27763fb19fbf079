import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type { ApiDeps } from '../../deps';
import { answers, route, type ApiRoute } from '../../route-registry';
import { badRequest, notFound } from '../../http-errors';
import type { EntityManager } from '@mikro-orm/postgresql';
import { PhotoImport, PhotoImportItem } from '../../../db/entities';
import { ImportSourceError } from '../../../photos/import-source-error';
import { resolveImportFolder } from '../../../photos/import-paths';
import { checkZipArchive } from '../../../photos/zip-archive';
import { csvRecord } from '../../csv';
import { photoImportWorkflowId, type ImportSource, type PhotoImportProgress } from '../../../contracts';
import { photoImportHandle, photoImportProgress, startPhotoImport } from '../../../temporal-client/photos';
import { temporalOf } from '../../temporal-of';
import { ensurePrivateDir, writePrivateFile } from '../../../security/private-files';

const folderBody = z.object({ folder: z.string().min(1).max(4096).meta({ example: 'intake-2026' }) }).strict();
const idParams = z.object({ id: z.string().uuid() });
const ZIP_TYPES = ['application/zip', 'application/x-zip-compressed'];

const { json, error } = answers;

/** Import a folder on the server, or an uploaded zip, of `<ci>.jpg|jpeg|png|webp|avif` files. */
export function photoImportsRoutes(deps: ApiDeps): ApiRoute[] {
  const em = () => deps.orm.em.fork();

  const start = async (source: ImportSource) => {
    const id = randomUUID();
    const workflowId = photoImportWorkflowId(id);
    const fork = em();
    const row = new PhotoImport({ workflowId, sourceKind: source.kind, sourcePath: source.path });
    row.id = id;
    await fork.persistAndFlush(row);
    const handle = await startPhotoImport(temporalOf(deps), id, source);
    return { id, workflowId, runId: handle.firstExecutionRunId };
  };

  return [
    route({
      method: 'post',
      path: '/api/photo-imports',
      summary: 'Import the photos of a folder under PHOTO_IMPORT_ROOT',
      body: folderBody,
      responses: { 202: json('{ id, workflowId, runId }') },
      handler: async ({ body }, res) => {
        if (deps.importRoot === undefined) throw badRequest('folder imports are not enabled (set PHOTO_IMPORT_ROOT)');
        // Only folders under the configured root, links resolved: the API must not become a way to read the server's disk.
        const folder = await resolveImportFolder(deps.importRoot, body.folder).catch(refuseSource);
        res.status(202).json(await start({ kind: 'folder', path: folder }));
      },
    }),

    route({
      method: 'post',
      path: '/api/photo-imports/zip',
      summary: 'Import the photos of an uploaded zip',
      rawBody: { types: ZIP_TYPES, limit: deps.zipLimit, description: 'the zip file' },
      responses: {
        202: json('{ id, workflowId, runId }'),
        400: json('not a zip, a corrupt zip, or an entry outside its folder or a link: { error, problem }'),
        413: error,
      },
      handler: async ({ body }, res) => {
        if (!Buffer.isBuffer(body) || body.length < 22 || body.readUInt32LE(0) !== 0x04034b50) {
          throw badRequest('send a zip file as the raw body with Content-Type application/zip');
        }
        // The central directory only (no entry is decompressed, no image decoded): a corrupt archive or one with an
        // entry outside its folder is refused now, before anything is stored or started.
        await checkZipArchive(body).catch(refuseSource);
        // A zip of people's faces: owner-only, like everything under the data dir that holds people.
        const dir = join(deps.dataDir, 'imports');
        await ensurePrivateDir(dir);
        const path = join(dir, `${randomUUID()}.zip`);
        await writePrivateFile(path, body);
        res.status(202).json(await start({ kind: 'zip', path }));
      },
    }),

    route({
      method: 'get',
      path: '/api/photo-imports/:id',
      summary: "An import's progress and counts per outcome",
      params: idParams,
      responses: {
        200: json('progress and counts; state running, completed, failed or cancelled, with the reason of a failed import'),
        404: error,
      },
      handler: async ({ params }, res) => {
        const fork = em();
        const row = await fork.findOne(PhotoImport, { id: params.id });
        if (row === null) throw notFound(`photo import ${params.id}`);
        let progress: PhotoImportProgress | null = null;
        if (row.state === 'running') {
          // Asked first: a query on a terminated run would replay it and answer `running` for ever.
          const handle = photoImportHandle(temporalOf(deps), row.workflowId);
          const status = await handle
            .describe()
            .then((d) => d.status.name)
            .catch(() => null);
          if (status === 'RUNNING') progress = await photoImportProgress(handle).catch(() => null);
          else if (status !== null) await settleClosedImport(fork, row, status);
        }
        res.json({
          id: row.id,
          workflowId: row.workflowId,
          source: { kind: row.sourceKind },
          state: progress?.state ?? row.state,
          reason: progress?.reason ?? row.failureReason ?? null,
          total: progress?.total ?? row.total,
          processed: progress?.processed ?? row.processed,
          counts: progress?.counts ?? row.counts,
          finishedAt: row.finishedAt?.toISOString() ?? null,
        });
      },
    }),

    route({
      method: 'get',
      path: '/api/photo-imports/:id/report.csv',
      summary: 'The files that were not imported, and why',
      params: idParams,
      responses: { 200: answers.binary('the files not imported, and why', ['text/csv']), 404: error },
      handler: async ({ params }, res) => {
        const fork = em();
        if ((await fork.count(PhotoImport, { id: params.id })) === 0) throw notFound(`photo import ${params.id}`);
        const items = await fork.find(
          PhotoImportItem,
          { photoImport: params.id, outcome: { $nin: ['imported', 'unchanged'] } },
          { orderBy: { fileName: 'asc' } },
        );
        const rows = items.map((i) => csvRecord([i.fileName, i.ci ?? '', i.outcome, i.reason ?? '']));
        const csv = [csvRecord(['file', 'ci', 'outcome', 'reason']), ...rows];
        res
          .type('text/csv')
          .attachment(`photo-import-${params.id}-failures.csv`)
          .send(`${csv.join('\r\n')}\r\n`);
      },
    }),
  ];
}

const refuseSource = (e: unknown): never => {
  throw e instanceof ImportSourceError ? badRequest(e.message, { problem: e.problem }) : e;
};

/**
 * The workflow records how it ended before it closes, but a terminated or timed-out run runs no more code and
 * leaves the row `running`; the first read after that records it, so a closed import never shows as `running`.
 */
async function settleClosedImport(em: EntityManager, row: PhotoImport, status: string): Promise<void> {
  // It may have recorded its end between the first read and the describe.
  await em.refresh(row);
  if (row.state !== 'running') return;
  row.state = 'failed';
  row.failureReason = `the import workflow ended ${status.toLowerCase()} before recording its outcome`;
  row.finishedAt = new Date();
  await em.flush();
}
