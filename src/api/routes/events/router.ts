import { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../../deps';
import { parsed, validate } from '../../validate';
import { notFound } from '../../http-errors';
import { rows } from '../../../devices/device-people';
import { CaptureStore } from '../../../devices/capture-store';
import { eventsQuery, featureErrorsQuery, type EventsQuery } from './schemas';

/** Door events, captures and feature errors reported by cloud devices (issue 5 §5). */
export function eventsRouter(deps: ApiDeps): Router {
  const r = Router();
  const db = () => deps.orm.em.getKnex();
  const captures = CaptureStore.inDataDir(deps.dataDir);

  r.get('/', validate({ query: eventsQuery }), async (_req, res) => {
    const { query } = parsed<unknown, unknown, EventsQuery>(res);
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
      const [sec, id] = query.after.split(':') as [string, string];
      where.push('(e.access_time, e.id) > (to_timestamp(?), ?::bigint)');
      params.push(Number(sec), id);
    }
    const items = await rows<{ id: string; access_time: Date }>(
      db(),
      `select e.id::text, e.device_id as "deviceId", e.user_id as "userId", e.user_type as "userType", e.access_type as "accessType",
         e.access_time, e.received_at as "receivedAt", p.ci
       from access_event e left join person p on p.user_id = e.user_id
       ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
       order by e.access_time, e.id limit ?`,
      [...params, query.limit],
    );
    const last = items.at(-1);
    res.json({
      items: items.map(({ access_time, ...rest }) => ({ ...rest, accessTime: new Date(access_time).toISOString() })),
      next: items.length === query.limit && last !== undefined ? `${Math.floor(new Date(last.access_time).getTime() / 1000)}:${last.id}` : null,
    });
  });

  r.get('/captures', validate({ query: z.object({ device: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }).strict() }), async (_req, res) => {
    const { query } = parsed<unknown, unknown, { device?: string; limit: number }>(res);
    const items = await rows(
      db(),
      `select id::text, device_id as "deviceId", user_id as "userId", capture_time as "captureTime", bytes, content_type as "contentType", received_at as "receivedAt"
       from device_capture ${query.device !== undefined ? 'where device_id = ?' : ''} order by id desc limit ?`,
      query.device !== undefined ? [query.device, query.limit] : [query.limit],
    );
    res.json({ items: items.map((i) => ({ ...(i as object), imageUrl: `/api/events/captures/${(i as { id: string }).id}/image` })) });
  });

  r.get('/captures/:id/image', validate({ params: z.object({ id: z.string().regex(/^\d{1,19}$/) }) }), async (_req, res) => {
    const { params } = parsed<unknown, { id: string }>(res);
    const [c] = await rows<{ blob_key: string; content_type: string }>(db(), 'select blob_key, content_type from device_capture where id = ?::bigint', [params.id]);
    const data = c === undefined ? null : await captures.get(c.blob_key);
    if (c === undefined || data === null) throw notFound(`capture ${params.id}`);
    res.type(c.content_type).send(data);
  });

  /** §5, shown per person: `?user_id=` (the person's protocol id). */
  r.get('/feature-errors', validate({ query: featureErrorsQuery }), async (_req, res) => {
    const { query } = parsed<unknown, unknown, { user_id?: number; device?: string; limit: number }>(res);
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
    const items = await rows(
      db(),
      `select f.id::text, f.device_id as "deviceId", f.user_id as "userId", p.ci, f.feature_type as "featureType", f.feature_index as "index",
         f.status, f.feature_length as "featureLength", f.received_at as "receivedAt"
       from device_feature_error f left join person p on p.user_id = f.user_id
       ${where.length > 0 ? `where ${where.join(' and ')}` : ''} order by f.id desc limit ?`,
      [...params, query.limit],
    );
    res.json({ items });
  });

  return r;
}
