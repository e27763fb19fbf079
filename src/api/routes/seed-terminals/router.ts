import type { EntityManager } from '@mikro-orm/postgresql';
import type { ApiDeps } from '../../deps';
import { answers, route, type ApiRoute } from '../../route-registry';
import { badRequest, conflict, notFound } from '../../http-errors';
import { Person, Terminal, TerminalPersonState } from '../../../db/entities';
import { DuplicatePersonError, createPerson } from '../../../db/repositories/person-repository';
import { freshCaptureFor } from '../../../db/repositories/terminals/terminal-captures';
import { CaptureFailed, captureNow, enrolmentResult, startEnrolment } from '../terminals/workflows';
import { createUserBody, deviceIdParams, startCaptureBody, syncToDeviceBody, userIdParams } from './schemas';

/** A capture is bound by a later sync-to-device when it is this recent (seed 002: capture, then save). */
const CAPTURE_FRESH_MS = 10 * 60_000;
const NO_DEPARTMENT = 'Sin departamento';

const { json, error } = answers;

/**
 * Seed 002's user shape. `created_at` keeps the seed's whole seconds but says its zone (`…T23:45:00Z`): every
 * timestamp the API answers is ISO 8601 with a zone, and a client parsing the seed's zone-less form still parses it.
 */
async function seedUser(em: EntityManager, p: Person) {
  const synced = await em.count(TerminalPersonState, { employeeNo: p.ci, faceBound: true });
  const career = await em.populate(p, ['career']);
  const department = career.career.getEntity().name;
  return {
    id: p.userId as number,
    hikvision_id: p.ci,
    full_name: [p.givenName, p.familyName, p.secondFamilyName]
      .filter((s) => s !== null && s !== undefined && s !== '')
      .join(' '),
    department: department === NO_DEPARTMENT ? null : department,
    is_active: p.active,
    photo_path: p.photoVersion !== null && p.photoVersion !== undefined ? `/api/persons/${p.ci}/photo` : null,
    synced_to_device: synced > 0,
    created_at: `${p.createdAt.toISOString().slice(0, 19)}Z`,
  };
}

/** Seed 002's routes, mapped onto gatesync's people, terminals and workflows. */
export function seedTerminalRoutes(deps: ApiDeps): ApiRoute[] {
  const em = () => deps.orm.em.fork();
  return [
    route({
      method: 'post',
      path: '/api/users',
      summary: 'Seed 002 step 1: create a user (a person; hikvision_id is the ci)',
      body: createUserBody,
      responses: { 201: json('seed 002 user'), 409: error },
      handler: async ({ body }, res) => {
        const fork = em();
        const [given, ...rest] = body.full_name.split(/\s+/) as [string, ...string[]];
        let person: Person;
        try {
          person = await createPerson(fork, {
            ci: body.hikvision_id,
            givenName: given,
            // A one-word name is kept whole in both fields: HikCentral and terminals want a family name.
            familyName: rest.length > 0 ? rest.join(' ') : given,
            career: body.department ?? NO_DEPARTMENT,
            kind: 'staff',
          });
        } catch (e) {
          if (e instanceof DuplicatePersonError) throw conflict(e.message);
          throw e;
        }
        // The numeric id comes from a database sequence.
        await fork.refresh(person);
        res.status(201).json(await seedUser(fork, person));
      },
    }),

    route({
      method: 'get',
      path: '/api/users/:user_id',
      summary: 'Seed 002: a user',
      params: userIdParams,
      responses: { 200: json('seed 002 user'), 404: error },
      handler: async ({ params }, res) => {
        const fork = em();
        const p = await fork.findOne(Person, { userId: params.user_id });
        if (p === null) throw notFound(`user ${params.user_id}`);
        res.json(await seedUser(fork, p));
      },
    }),

    route({
      method: 'post',
      path: '/api/users/:user_id/sync-to-device',
      summary: 'Seed 002 step 3: bind a fresh capture (or enrol) on the terminals',
      params: userIdParams,
      body: syncToDeviceBody,
      responses: { 200: json('seed 002 outcome'), 404: error },
      handler: async ({ params, body }, res) => {
        const fork = em();
        const person = await fork.findOne(Person, { userId: params.user_id });
        if (person === null) throw notFound(`user ${params.user_id}`);
        const terminals = await targetTerminals(fork, person, body?.device_id);
        const results = [];
        for (const t of terminals) {
          // Only a capture still `captured`: never one withdrawn by a cancel, nor one bound already.
          const captureId = await freshCaptureFor(fork, {
            terminalId: t.id,
            ci: person.ci,
            since: new Date(Date.now() - CAPTURE_FRESH_MS),
          });
          await startEnrolment(deps, {
            terminalId: t.id,
            ci: person.ci,
            method: 'auto',
            captureId: captureId ?? undefined,
          });
          const r = await enrolmentResult(deps, t.id, person.ci);
          results.push({
            device_id: t.id,
            device_name: t.name,
            outcome: r.outcome,
            method: r.method,
            face_bound: r.faceBound,
            message: r.message,
          });
        }
        const ok = results.every((x) => x.outcome === 'enrolled');
        res.json({
          success: ok,
          // The terminal's own answer to the binding, as the seed shows it, when everything went through.
          ...(ok ? { statusCode: 1, statusString: 'OK', subStatusCode: 'ok' } : {}),
          message: ok
            ? 'User created on the device with the face bound'
            : results
                .filter((x) => x.outcome !== 'enrolled')
                .map((x) => `${x.device_name}: ${x.message}`)
                .join('; '),
          synced_to_device: ok,
          user_id: params.user_id,
          results,
        });
      },
    }),

    // Seed 002 calls a terminal a "device": this one route lives under /api/devices beside the cloud doors' routes.
    route({
      method: 'post',
      path: '/api/devices/:device_id/start-face-capture',
      summary: 'Seed 002 step 2: capture a face on a terminal (device_id is the terminal id)',
      params: deviceIdParams,
      body: startCaptureBody,
      responses: { 200: json('{ success, photo_path, message, face_data_url } — seed 002'), 404: error, 409: error },
      handler: async ({ params, body }, res) => {
        const fork = em();
        if ((await fork.count(Terminal, { id: params.device_id })) === 0) throw notFound(`device ${params.device_id}`);
        if (body?.hikvision_id !== undefined && (await fork.count(Person, { ci: body.hikvision_id })) === 0)
          throw notFound(`user ${body.hikvision_id}`);
        try {
          const c = await captureNow(deps, params.device_id, body?.hikvision_id, body?.timeout_ms ?? 30_000);
          res.json({
            success: true,
            photo_path: `/api/terminal-captures/${c.captureId}/photo`,
            message: 'Face captured successfully',
            face_data_url: c.faceDataUrl,
          });
        } catch (e) {
          if (!(e instanceof CaptureFailed)) throw e;
          res.json({ success: false, photo_path: null, message: e.message, face_data_url: null });
        }
      },
    }),
  ];
}

async function targetTerminals(em: EntityManager, person: Person, deviceId: string | undefined): Promise<Terminal[]> {
  if (deviceId !== undefined) {
    const t = await em.findOne(Terminal, { id: deviceId });
    if (t === null) throw notFound(`device ${deviceId}`);
    return [t];
  }
  await em.populate(person, ['career']);
  const career = person.career.getEntity().name;
  const all = await em.find(Terminal, {}, { orderBy: { name: 'asc' } });
  const assigned = await em
    .getConnection()
    .execute<{ terminal_id: string }[]>('select terminal_id from terminal_assignment where person_id = ?', [person.id]);
  const mine = all.filter((t) => t.careers.includes(career) || assigned.some((a) => a.terminal_id === t.id));
  if (mine.length > 0) return mine;
  if (all.length === 1) return all;
  throw badRequest(all.length === 0 ? 'no device is registered' : 'the user belongs to no device; send device_id', {
    devices: all.map((t) => t.id),
  });
}
