import {
  OpenAPIRegistry,
  OpenApiGeneratorV3,
  type RouteConfig,
  type ZodRequestBody,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { answers, type ApiRoute } from './route-registry';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV3['generateDocument']>;

/** `/api/persons/:ci` → `/api/persons/{ci}`. */
export const openApiPath = (expressPath: string): string => expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** An optional or defaulted body is documented as its inner object, not required. */
function jsonBody(schema: z.ZodType): ZodRequestBody {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) {
    return { required: false, content: { 'application/json': { schema: schema.unwrap() as z.ZodType } } };
  }
  return { required: true, content: { 'application/json': { schema } } };
}

function pathEntry(r: ApiRoute, security: RouteConfig['security']): RouteConfig {
  const request: NonNullable<RouteConfig['request']> = {};
  if (r.params instanceof z.ZodObject) request.params = r.params;
  if (r.query instanceof z.ZodObject || r.query instanceof z.ZodPipe) request.query = r.query;
  if (r.body !== undefined) request.body = jsonBody(r.body);
  if (r.rawBody !== undefined) {
    request.body = {
      required: true,
      description: r.rawBody.description,
      content: Object.fromEntries(r.rawBody.types.map((t) => [t, { schema: z.string().meta({ format: 'binary' }) }])),
    };
  }
  const validated = r.params !== undefined || r.query !== undefined || r.body !== undefined || r.rawBody !== undefined;
  return {
    method: r.method,
    path: openApiPath(r.path),
    summary: r.summary,
    security,
    request,
    responses: { ...(validated ? { 400: answers.error } : {}), 401: answers.error, ...r.responses },
  };
}

/** The OpenAPI document of exactly the routes that are mounted: both come from the one route table. */
export function openApiDocument(routes: readonly ApiRoute[]): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  for (const r of routes) registry.registerPath(pathEntry(r, [{ [bearer.name]: [] }]));
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: { title: 'gatesync', version: '0.1.0', description: 'People and face photos onto door hardware.' },
  });
}
