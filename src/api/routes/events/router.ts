import { z } from 'zod';
import type { ApiDeps } from '../../deps';
import { answers, route, type ApiRoute } from '../../route-registry';
import {
  findCapture,
  listCaptures,
  listFeatureErrors,
  pageEvents,
} from '../../../db/repositories/devices/device-events';
import { int8IdParam } from '../../numeric-params';
import { notFound } from '../../http-errors';
import { CaptureStore } from '../../../db/repositories/devices/capture-store';
import { capturesQuery, eventsQuery, featureErrorsQuery } from './schemas';

const captureIdParams = z.object({ id: int8IdParam('capture id') });

const { json, error } = answers;

/** Door events, captures and feature errors reported by cloud devices. */
export function eventsRoutes(deps: ApiDeps): ApiRoute[] {
  const db = () => deps.orm.em.getKnex();
  const captures = CaptureStore.inDataDir(deps.dataDir);

  return [
    route({
      method: 'get',
      path: '/api/events',
      summary: 'Door events, in keyset pages (next)',
      query: eventsQuery,
      responses: { 200: json('{ items, next }') },
      handler: async ({ query }, res) => {
        const items = await pageEvents(db(), query);
        const last = items.at(-1);
        res.json({
          items,
          next:
            items.length === query.limit && last !== undefined
              ? `${Math.floor(Date.parse(last.accessTime) / 1000)}:${last.id}`
              : null,
        });
      },
    }),

    route({
      method: 'get',
      path: '/api/events/captures',
      summary: 'Snapshots doors uploaded, newest first',
      query: capturesQuery,
      responses: { 200: json('{ items }') },
      handler: async ({ query }, res) => {
        const items = await listCaptures(db(), query.device, query.limit);
        res.json({ items: items.map((i) => ({ ...i, imageUrl: `/api/events/captures/${i.id}/image` })) });
      },
    }),

    route({
      method: 'get',
      path: '/api/events/captures/:id/image',
      summary: 'A snapshot, byte for byte',
      params: captureIdParams,
      responses: { 200: answers.binary('the snapshot', ['image/jpeg']), 404: error },
      handler: async ({ params }, res) => {
        const c = await findCapture(db(), params.id);
        const data = c === undefined ? null : await captures.get(c.blob_key);
        if (c === undefined || data === null) throw notFound(`capture ${params.id}`);
        res.type(c.content_type).send(data);
      },
    }),

    /** §5, shown per person: `?user_id=` (the person's protocol id). */
    route({
      method: 'get',
      path: '/api/events/feature-errors',
      summary: 'Feature errors doors reported (§5), per person or door',
      query: featureErrorsQuery,
      responses: { 200: json('{ items }') },
      handler: async ({ query }, res) => {
        const items = await listFeatureErrors(db(), query);
        res.json({ items });
      },
    }),
  ];
}
