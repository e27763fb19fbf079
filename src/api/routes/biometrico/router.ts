import { z } from 'zod';
import type { ApiDeps } from '../../deps';
import { answers, route, type ApiRoute } from '../../route-registry';
import { sendCurrentPhoto } from '../../send-photo';
import { notFound } from '../../http-errors';
import { Person } from '../../../db/entities';
import { personView } from '../../../db/repositories/person-repository';
import { peopleRows } from '../../../db/repositories/hikcentral/people-pages';
import { runPersonSync } from '../syncs/person-sync-runner';
import { careerName, ciParams } from '../persons/schemas';
import { comparePerson, seedComparison } from '../persons/compare';

const pendingQuery = z.object({ carrera_name: careerName });

const { json, error } = answers;

/**
 * Seed 000's Biométrico routes with its exact shapes and codes, so its front end works unchanged.
 * Codes keep the seed's meanings ("128" = photo not compatible), not HikCentral's (reference note).
 */
export function biometricoRoutes(deps: ApiDeps): ApiRoute[] {
  const em = () => deps.orm.em.fork();
  return [
    route({
      method: 'post',
      path: '/biometrico/sync-hikdoc/:ci',
      summary: 'Seed 000: sync one person to HikCentral',
      params: ciParams,
      responses: {
        200: json('{ code, msg, data } — seed 000'),
        404: error,
        502: json('{ code, msg, data } with a code outside the seed'),
      },
      handler: async ({ params }, res) => {
        if ((await em().count(Person, { ci: params.ci })) === 0) throw notFound(`person ${params.ci}`);
        const out = await runPersonSync(deps, params.ci);
        switch (out.outcome) {
          case 'synced':
            res.json({ code: '0', msg: 'Success', data: out.hikPersonId ?? '' });
            return;
          case 'alreadyRegistered':
            res.json({ code: '131', msg: 'User already registered in HikCentral', data: out.hikPersonId ?? '' });
            return;
          case 'photoRejected':
            res.json({ code: '128', msg: `Photo format not compatible with HikCentral: ${out.message}`, data: '' });
            return;
          default:
            // Not one of the seed's codes: the front end logs it as an error (its catch branch).
            res.status(502).json({ code: out.code, msg: out.message, data: '' });
        }
      },
    }),

    route({
      method: 'get',
      path: '/biometrico/get-pending-sync-est',
      summary: 'Seed 000: the people of a career still to sync',
      query: pendingQuery,
      responses: { 200: json('{ pendientes } — seed 000') },
      handler: async ({ query }, res) => {
        const fork = em();
        const pendientes: Array<{ CIInfPer: string; NombInfPer: string; ApellInfPer: string; ApellMatInfPer: string }> =
          [];
        let after: string | null = null;
        for (;;) {
          const page = await peopleRows(fork, { kind: 'career', career: query.carrera_name }, after, 1000);
          if (page.length === 0) break;
          for (const p of page) {
            pendientes.push({
              CIInfPer: p.ci,
              NombInfPer: p.given_name,
              ApellInfPer: p.family_name,
              ApellMatInfPer: p.second_family_name ?? '',
            });
          }
          after = page[page.length - 1]?.ci ?? null;
        }
        res.json({ pendientes });
      },
    }),

    route({
      method: 'get',
      path: '/biometrico/getperson-est/:ci',
      summary: 'Seed 000: whether HikCentral holds the person',
      params: ciParams,
      responses: { 200: json('{ registrado } — seed 000'), 404: error },
      handler: async ({ params }, res) => {
        const view = await personView(em(), params.ci);
        if (view === null) throw notFound(`person ${params.ci}`);
        res.json({ registrado: view.hikcentral.registered });
      },
    }),

    route({
      method: 'get',
      path: '/biometrico/fotografia/:ci',
      summary: 'Seed 000: the records photo',
      params: ciParams,
      responses: {
        200: answers.binary('the records photo — seed 000', ['image/jpeg', 'image/png', 'image/webp']),
        404: error,
      },
      handler: ({ params }, res) => sendCurrentPhoto(em(), params.ci, res),
    }),

    route({
      method: 'get',
      path: '/biometrico/compare-hikdoc-est/:ci',
      summary: 'Seed 000: the records photo against the one HikCentral holds',
      params: ciParams,
      responses: { 200: json('{ identicas, similitud } — seed 000'), 404: error },
      handler: async ({ params }, res) => {
        res.json(seedComparison(await comparePerson(deps, params.ci)));
      },
    }),

    route({
      method: 'get',
      path: '/biometrico/gethick/:ci',
      summary: 'Seed 000: the photo HikCentral holds',
      params: ciParams,
      responses: { 200: answers.binary('the photo HikCentral holds — seed 000', ['image/jpeg']), 404: error },
      handler: async ({ params }, res) => {
        // Photo bytes never pass through Temporal payloads, so this read goes to HikCentral directly.
        const image = await deps.readHikCentralPhoto(params.ci);
        if (image === null) throw notFound(`HikCentral photo of ${params.ci}`);
        res.type('image/jpeg').send(image);
      },
    }),
  ];
}
