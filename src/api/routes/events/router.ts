import { z } from 'zod';
import type { ApiDeps } from '../../deps';
import { answers, route, type ApiRoute } from '../../route-registry';
import { answerRows } from '../../answer-rows';
import { int8IdParam } from '../../numeric-params';
import { notFound } from '../../http-errors';
import { CaptureStore } from '../../../gateway/capture-store';
import { capturesQuery, eventsQuery, featureErrorsQuery } from './schemas';

const captureIdParams = z.object({ id: int8IdParam('capture id') });

const { json, error } = answers;

/** Door events, captures and feature errors reported by cloud devices (issue 5 §5). */
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
        const where: string[] = [];
        const params: unknown[] = [];
        if (query.device !== undefined) {
          where.push('e.device_id = ?');
          params.push(query.device);
        }
        if (query.from !== undefined) {
          where.push('e.access_time >= ?');
          params.push(new Date(query.from));
        }
        if (query.to !== undefined) {
          where.push('e.access_time < ?');
          params.push(new Date(query.to));
        }
        if (query.after !== undefined) {
          where.push('(e.access_time, e.id) > (to_timestamp(?), ?::bigint)');
          params.push(query.after.seconds, query.after.id);
        }
        const items = await answerRows<{ id: string; accessTime: string }>(
          db(),
          `select e.id::text, e.device_id as "deviceId", e.user_id as "userId", e.user_type as "userType", e.access_type as "accessType",
             e.access_time as "accessTime", e.received_at as "receivedAt", p.ci
           from access_event e left join person p on p.user_id = e.user_id
           ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
           order by e.access_time, e.id limit ?`,
          [...params, query.limit],
        );
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
        const items = await answerRows<{ id: string }>(
          db(),
          `select id::text, device_id as "deviceId", user_id as "userId", capture_time as "captureTime", bytes, content_type as "contentType", received_at as "receivedAt"
           from device_capture ${query.device !== undefined ? 'where device_id = ?' : ''} order by id desc limit ?`,
          query.device !== undefined ? [query.device, query.limit] : [query.limit],
        );
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
        const [c] = await answerRows<{ blob_key: string; content_type: string }>(
          db(),
          'select blob_key, content_type from device_capture where id = ?::bigint',
          [params.id],
        );
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
        const where: string[] = [];
        const params: unknown[] = [];
        if (query.user_id !== undefined) {
          where.push('f.user_id = ?');
          params.push(query.user_id);
        }
        if (query.device !== undefined) {
          where.push('f.device_id = ?');
          params.push(query.device);
        }
        const items = await answerRows(
          db(),
          `select f.id::text, f.device_id as "deviceId", f.user_id as "userId", p.ci, f.feature_type as "featureType", f.feature_index as "index",
             f.status, f.feature_length as "featureLength", f.received_at as "receivedAt"
           from device_feature_error f left join person p on p.user_id = f.user_id
           ${where.length > 0 ? `where ${where.join(' and ')}` : ''} order by f.id desc limit ?`,
          [...params, query.limit],
        );
        res.json({ items });
      },
    }),
  ];
}
