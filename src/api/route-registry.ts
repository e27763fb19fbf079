import express, { type Request, type Response, type Router } from 'express';
import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { parsedRequest, validate } from './validate';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type Part = z.ZodType | undefined;
type Parsed<S extends Part, Otherwise> = S extends z.ZodType ? z.output<S> : Otherwise;

/** What a handler reads: the parsed params, query and body (a Buffer, unparsed, for a `rawBody` route). */
export interface RouteInput<P extends Part, Q extends Part, B extends Part> {
  params: Parsed<P, Record<string, never>>;
  query: Parsed<Q, Record<string, never>>;
  body: Parsed<B, unknown>;
}

/** A binary body (a photo, a zip): the content types express.raw accepts, and its size limit. */
export interface RawBody {
  types: readonly string[];
  limit: string;
  description: string;
}

/**
 * One route, declared once: how it is mounted (method, path, schemas, handler) and how the OpenAPI document
 * describes it (summary, schemas, responses) come from this one record (STYLE §12).
 */
export interface RouteSpec<P extends Part = undefined, Q extends Part = undefined, B extends Part = undefined> {
  method: HttpMethod;
  /** Express syntax, from the root: `/api/persons/:ci/photo`. */
  path: string;
  summary: string;
  params?: P;
  query?: Q;
  body?: B;
  rawBody?: RawBody;
  /** Besides 401 (every route) and 400 (every route with a schema), which are added. */
  responses: RouteConfig['responses'];
  handler: (input: RouteInput<P, Q, B>, res: Response, req: Request) => Promise<void> | void;
}

export type ApiRoute = RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;

/** Declares a route; its handler's input is typed from its schemas. */
export function route<P extends Part = undefined, Q extends Part = undefined, B extends Part = undefined>(
  spec: RouteSpec<P, Q, B>,
): ApiRoute {
  return spec as unknown as ApiRoute;
}

/** `METHOD /path/{}`: two routes with the same key would match the same requests. */
const routeKey = (r: Pick<ApiRoute, 'method' | 'path'>): string =>
  `${r.method.toUpperCase()} ${r.path.replace(/:[A-Za-z0-9_]+/g, '{}')}`;

/** Mounts every route with its body reader and the validate middleware, in order; each route exactly once. */
export function mountRoutes(router: Router, routes: readonly ApiRoute[]): void {
  const seen = new Set<string>();
  for (const r of routes) {
    const key = routeKey(r);
    if (seen.has(key)) throw new Error(`route declared twice: ${key}`);
    seen.add(key);
    const readRaw =
      r.rawBody === undefined ? [] : [express.raw({ type: [...r.rawBody.types], limit: r.rawBody.limit })];
    const check = validate({ params: r.params, query: r.query, body: r.body, rawBody: r.rawBody !== undefined });
    router[r.method](r.path, ...readRaw, check, async (req: Request, res: Response) => {
      await r.handler(parsedRequest(res) as RouteInput<z.ZodType, z.ZodType, z.ZodType>, res, req);
    });
  }
}

// ---------------------------------------------------------------- responses, for the OpenAPI document

export const errorBody = z.object({ error: z.string() }).loose();

export const answers = {
  json: (description: string, schema: z.ZodType = z.looseObject({})): ResponseConfig => ({
    description,
    content: { 'application/json': { schema } },
  }),
  error: {
    description: 'error with a reason',
    content: { 'application/json': { schema: errorBody } },
  } satisfies ResponseConfig,
  empty: (description: string): ResponseConfig => ({ description }),
  binary: (description: string, types: readonly string[]): ResponseConfig => ({
    description,
    content: Object.fromEntries(types.map((t) => [t, { schema: z.string().meta({ format: 'binary' }) }])),
  }),
};
