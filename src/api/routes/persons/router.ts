import type { ApiDeps } from '../../deps';
import { answers, route, type ApiRoute } from '../../route-registry';
import { sendCurrentPhoto } from '../../send-photo';
import { HttpError, badRequest, conflict, notFound } from '../../http-errors';
import { Person } from '../../../db/entities';
import {
  DuplicatePersonError,
  createPerson,
  listPersonViews,
  currentPhoto,
  personView,
} from '../../../db/repositories/person-repository';
import { intakeUploadedPhoto } from './photo-upload';
import { imageSignature } from '../../../photos/image-signature';
import { runPersonSync } from '../syncs/person-sync-runner';
import { comparePerson } from './compare';
import { ciParams, createPersonBody, listPersonsQuery, photoReviewBody } from './schemas';
import { approveDuplicate } from '../../../photos/photo-review';

/** Content types accepted for a photo, and the decoded format each must match (a Map: no inherited keys). */
const PHOTO_CONTENT_TYPES = new Map([
  ['image/jpeg', 'jpeg'],
  ['image/png', 'png'],
  ['image/webp', 'webp'],
  ['image/avif', 'heif'],
  ['image/heic', 'heif'],
  ['image/heif', 'heif'],
]);
const PHOTO_TYPES = [...PHOTO_CONTENT_TYPES.keys()];

const { json, error } = answers;

/**
 * What the first bytes already tell (nothing is decoded here): an empty body, bytes that are no image at all, or an
 * image of another format than the Content-Type says, is refused before anything is staged. The worker's intake
 * decodes the rest and refuses what these bytes only pretend to be.
 */
function refuseByFirstBytes(body: Buffer, declared: string): void {
  if (body.length === 0) throw badRequest('the photo is empty', { reason: 'empty' });
  const actual = imageSignature(body);
  if (actual === null) throw badRequest('the photo cannot be decoded: the bytes are not a JPEG, PNG, WebP or AVIF/HEIF image', { reason: 'undecodable' });
  if (actual !== declared) throw badRequest(`Content-Type says ${declared} but the bytes are ${actual}`, { reason: 'contentTypeMismatch' });
}

export function personsRoutes(deps: ApiDeps): ApiRoute[] {
  const em = () => deps.orm.em.fork();
  return [
    route({
      method: 'post',
      path: '/api/persons',
      summary: 'Register a person',
      body: createPersonBody,
      responses: { 201: json('the person'), 409: error },
      handler: async ({ body }, res) => {
        const fork = em();
        try {
          await createPerson(fork, body);
        } catch (e) {
          if (e instanceof DuplicatePersonError) throw conflict(e.message);
          throw e;
        }
        res.status(201).json(await personView(fork, body.ci));
      },
    }),

    route({
      method: 'get',
      path: '/api/persons',
      summary: 'A page of people, by career, pending sync or failing check',
      query: listPersonsQuery,
      responses: { 200: json('{ total, items }') },
      handler: async ({ query }, res) => {
        res.json(await listPersonViews(em(), query));
      },
    }),

    route({
      method: 'get',
      path: '/api/persons/:ci',
      summary: 'A person, their photo checks and HikCentral state',
      params: ciParams,
      responses: { 200: json('the person'), 404: error },
      handler: async ({ params }, res) => {
        const view = await personView(em(), params.ci);
        if (view === null) throw notFound(`person ${params.ci}`);
        res.json(view);
      },
    }),

    route({
      method: 'put',
      path: '/api/persons/:ci/photo',
      summary: "Replace a person's photo (checked on arrival, by a photos worker)",
      params: ciParams,
      rawBody: { types: PHOTO_TYPES, limit: deps.photoLimit, description: 'the photo bytes' },
      responses: { 200: json('the person with the new photo version'), 404: error, 413: error, 415: error },
      handler: async ({ params, body }, res, req) => {
        if (!Buffer.isBuffer(body)) {
          throw new HttpError(415, `send the photo as the raw body with Content-Type ${PHOTO_TYPES.join(', ')}`);
        }
        const fork = em();
        const person = await fork.findOne(Person, { ci: params.ci });
        if (person === null) throw notFound(`person ${params.ci}`);
        const declared = PHOTO_CONTENT_TYPES.get((req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '') ?? 'unknown';
        refuseByFirstBytes(body, declared);
        const result = await intakeUploadedPhoto(deps, person, declared, body);
        if (result.outcome === 'refused') throw badRequest(result.message, { reason: result.reason });
        // A fresh context: the worker changed the person, and `fork` still holds it as it was.
        const view = await personView(em(), params.ci);
        if (view === null) throw notFound(`person ${params.ci}`);
        res.status(200).json(view);
      },
    }),

    route({
      method: 'get',
      path: '/api/persons/:ci/photo/checks',
      summary: "Each check of the person's current photo, with its reason",
      params: ciParams,
      responses: { 200: json('each rule with its reason'), 404: error },
      handler: async ({ params }, res) => {
        const view = await personView(em(), params.ci);
        if (view === null) throw notFound(`person ${params.ci}`);
        if (view.photo === null) throw notFound(`photo of ${params.ci}`);
        res.json({ ci: params.ci, version: view.photo.version, ...view.photo.checks });
      },
    }),

    route({
      method: 'post',
      path: '/api/persons/:ci/photo/review',
      summary: "Approve a photo flagged as another person's face",
      params: ciParams,
      body: photoReviewBody,
      responses: { 200: json('the checks, the duplicate approved'), 404: error, 409: error },
      handler: async ({ params, body }, res) => {
        const fork = em();
        const photo = await currentPhoto(fork, params.ci);
        if (photo === null) throw notFound(`photo of ${params.ci}`);
        const flagged = photo.checks?.rules.some((rule) => rule.rule === 'duplicateFace' && !rule.passed) === true;
        if (!flagged)
          throw conflict(`the photo of ${params.ci} is not flagged as another person's face; nothing to review`);
        const checks = approveDuplicate(photo.checks as NonNullable<typeof photo.checks>, body.note);
        photo.checks = checks;
        photo.checksPassed = checks.passed;
        await fork.flush();
        deps.logger.info({ ci: params.ci, duplicateOf: checks.duplicateOf?.ci }, 'duplicate face approved by an admin');
        res.json({ ci: params.ci, version: photo.version, ...checks });
      },
    }),

    route({
      method: 'get',
      path: '/api/persons/:ci/photo',
      summary: "The person's current photo",
      params: ciParams,
      responses: { 200: answers.binary('the stored photo', PHOTO_TYPES), 404: error },
      handler: ({ params }, res) => sendCurrentPhoto(em(), params.ci, res),
    }),

    route({
      method: 'get',
      path: '/api/persons/:ci/compare',
      summary: 'The records photo against the one HikCentral holds',
      params: ciParams,
      responses: { 200: json('{ identical, similarityPercent, distance } or { error }'), 404: error },
      handler: async ({ params }, res) => {
        res.json(await comparePerson(deps, params.ci));
      },
    }),

    route({
      method: 'post',
      path: '/api/persons/:ci/sync',
      summary: 'Sync one person to HikCentral now',
      params: ciParams,
      responses: { 200: json('the classified outcome'), 404: error, 504: error },
      handler: async ({ params }, res) => {
        if ((await em().count(Person, { ci: params.ci })) === 0) throw notFound(`person ${params.ci}`);
        res.json(await runPersonSync(deps, params.ci));
      },
    }),
  ];
}
