import { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../../deps';
import { parsed, validate } from '../../validate';
import { sendPhoto } from '../../send-photo';
import { notFound } from '../../http-errors';
import { Person } from '../../../db/entities';
import { currentPhotoBytes, personView } from '../../../db/repositories/person-repository';
import { peopleRows } from '../../../db/repositories/people-pages';
import { runPersonSync } from '../syncs/person-sync-runner';
import { ciParams } from '../persons/schemas';
import { comparePerson, seedComparison } from '../persons/compare';

const pendingQuery = z.object({ carrera_name: z.string().trim().min(1).max(200) });

/**
 * Seed 000's Biométrico routes with its exact shapes and codes, so its front end works unchanged.
 * Codes keep the seed's meanings ("128" = photo not compatible), not HikCentral's (reference note).
 */
export function biometricoRouter(deps: ApiDeps): Router {
  const r = Router();
  const em = () => deps.orm.em.fork();

  r.post('/sync-hikdoc/:ci', validate({ params: ciParams }), async (_req, res) => {
    const { params } = parsed<unknown, { ci: string }>(res);
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
  });

  r.get('/get-pending-sync-est', validate({ query: pendingQuery }), async (_req, res) => {
    const { query } = parsed<unknown, unknown, { carrera_name: string }>(res);
    const fork = em();
    const pendientes: Array<{ CIInfPer: string; NombInfPer: string; ApellInfPer: string; ApellMatInfPer: string }> = [];
    let after: string | null = null;
    for (;;) {
      const page = await peopleRows(fork, { kind: 'career', career: query.carrera_name }, after, 1000);
      if (page.length === 0) break;
      for (const p of page) {
        pendientes.push({ CIInfPer: p.ci, NombInfPer: p.given_name, ApellInfPer: p.family_name, ApellMatInfPer: p.second_family_name ?? '' });
      }
      after = page[page.length - 1]?.ci ?? null;
    }
    res.json({ pendientes });
  });

  r.get('/getperson-est/:ci', validate({ params: ciParams }), async (_req, res) => {
    const { params } = parsed<unknown, { ci: string }>(res);
    const view = await personView(em(), params.ci);
    if (view === null) throw notFound(`person ${params.ci}`);
    res.json({ registrado: view.hikcentral.registered });
  });

  r.get('/fotografia/:ci', validate({ params: ciParams }), async (_req, res) => {
    const { params } = parsed<unknown, { ci: string }>(res);
    const photo = await currentPhotoBytes(em(), params.ci);
    if (photo === null) throw notFound(`photo of ${params.ci}`);
    sendPhoto(res, photo);
  });

  r.get('/compare-hikdoc-est/:ci', validate({ params: ciParams }), async (_req, res) => {
    const { params } = parsed<unknown, { ci: string }>(res);
    res.json(seedComparison(await comparePerson(deps, params.ci)));
  });

  r.get('/gethick/:ci', validate({ params: ciParams }), async (_req, res) => {
    const { params } = parsed<unknown, { ci: string }>(res);
    // Photo bytes never pass through Temporal payloads, so this read goes to HikCentral directly.
    const image = await deps.readHikCentralPhoto(params.ci);
    if (image === null) throw notFound(`HikCentral photo of ${params.ci}`);
    res.type('image/jpeg').send(image);
  });

  return r;
}
