import express, { Router } from 'express';
import type { ApiDeps } from '../../deps';
import { parsed, validate } from '../../validate';
import { sendPhoto } from '../../send-photo';
import { HttpError, badRequest, conflict, notFound } from '../../http-errors';
import { Person } from '../../../db/entities';
import {
  DuplicatePersonError,
  createPerson,
  currentPhotoBytes,
  listPersonViews,
  currentPhoto,
  personView,
} from '../../../db/repositories/person-repository';
import { PhotoInputError, detectFormat } from '../../../photos/photo-intake';
import { storePersonPhoto } from '../../../photos/person-photo-store';
import { runPersonSync } from '../syncs/person-sync-runner';
import { comparePerson } from './compare';
import { ciParams, createPersonBody, listPersonsQuery, photoReviewBody, type CreatePersonBody, type PhotoReviewBody } from './schemas';
import { approveDuplicate } from '../../../photos/photo-assessment';

/** Content types accepted for a photo, and the decoded format each must match. */
const PHOTO_CONTENT_TYPES: Record<string, string> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'heif',
  'image/heic': 'heif',
  'image/heif': 'heif',
};

export function personsRouter(deps: ApiDeps): Router {
  const r = Router();
  const em = () => deps.orm.em.fork();

  r.post('/', validate({ body: createPersonBody }), async (_req, res) => {
    const { body } = parsed<CreatePersonBody>(res);
    const fork = em();
    try {
      await createPerson(fork, body);
    } catch (e) {
      if (e instanceof DuplicatePersonError) throw conflict(e.message);
      throw e;
    }
    res.status(201).json(await personView(fork, body.ci));
  });

  r.get('/', validate({ query: listPersonsQuery }), async (_req, res) => {
    const { query } = parsed<unknown, unknown, { career?: string; pending?: boolean; failing?: string; limit: number; offset: number }>(res);
    res.json(await listPersonViews(em(), query));
  });

  r.get('/:ci', validate({ params: ciParams }), async (_req, res) => {
    const { params } = parsed<unknown, { ci: string }>(res);
    const view = await personView(em(), params.ci);
    if (view === null) throw notFound(`person ${params.ci}`);
    res.json(view);
  });

  r.put(
    '/:ci/photo',
    express.raw({ type: Object.keys(PHOTO_CONTENT_TYPES), limit: deps.photoLimit }),
    validate({ params: ciParams }),
    async (req, res) => {
      const { params } = parsed<unknown, { ci: string }>(res);
      if (!Buffer.isBuffer(req.body)) {
        throw new HttpError(415, `send the photo as the raw body with Content-Type ${Object.keys(PHOTO_CONTENT_TYPES).join(', ')}`);
      }
      const fork = em();
      const person = await fork.findOne(Person, { ci: params.ci });
      if (person === null) throw notFound(`person ${params.ci}`);
      try {
        const declared = PHOTO_CONTENT_TYPES[(req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? ''];
        const actual = await detectFormat(req.body);
        if (declared !== actual) {
          throw badRequest(`Content-Type says ${declared ?? 'something else'} but the bytes are ${actual}`, { reason: 'contentTypeMismatch' });
        }
        await storePersonPhoto(fork, deps.photos, person, req.body);
      } catch (e) {
        if (e instanceof PhotoInputError) throw badRequest(e.message, { reason: e.reason });
        throw e;
      }
      res.status(200).json(await personView(fork, params.ci));
    },
  );

  r.get('/:ci/photo/checks', validate({ params: ciParams }), async (_req, res) => {
    const { params } = parsed<unknown, { ci: string }>(res);
    const view = await personView(em(), params.ci);
    if (view === null) throw notFound(`person ${params.ci}`);
    if (view.photo === null) throw notFound(`photo of ${params.ci}`);
    res.json({ ci: params.ci, version: view.photo.version, ...view.photo.checks });
  });

  r.post('/:ci/photo/review', validate({ params: ciParams, body: photoReviewBody }), async (_req, res) => {
    const { params, body } = parsed<PhotoReviewBody, { ci: string }>(res);
    const fork = em();
    const photo = await currentPhoto(fork, params.ci);
    if (photo === null) throw notFound(`photo of ${params.ci}`);
    const flagged = photo.checks?.rules.some((rule) => rule.rule === 'duplicateFace' && !rule.passed) === true;
    if (!flagged) throw conflict(`the photo of ${params.ci} is not flagged as another person's face; nothing to review`);
    const checks = approveDuplicate(photo.checks as NonNullable<typeof photo.checks>, body.note);
    photo.checks = checks;
    photo.checksPassed = checks.passed;
    await fork.flush();
    deps.logger.info({ ci: params.ci, duplicateOf: checks.duplicateOf?.ci }, 'duplicate face approved by an admin');
    res.json({ ci: params.ci, version: photo.version, ...checks });
  });

  r.get('/:ci/photo', validate({ params: ciParams }), async (_req, res) => {
    const { params } = parsed<unknown, { ci: string }>(res);
    const photo = await currentPhotoBytes(em(), params.ci);
    if (photo === null) throw notFound(`photo of ${params.ci}`);
    sendPhoto(res, photo);
  });

  r.get('/:ci/compare', validate({ params: ciParams }), async (_req, res) => {
    const { params } = parsed<unknown, { ci: string }>(res);
    res.json(await comparePerson(deps, params.ci));
  });

  r.post('/:ci/sync', validate({ params: ciParams }), async (_req, res) => {
    const { params } = parsed<unknown, { ci: string }>(res);
    if ((await em().count(Person, { ci: params.ci })) === 0) throw notFound(`person ${params.ci}`);
    res.json(await runPersonSync(deps, params.ci));
  });

  return r;
}
