import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';

type Response = RouteConfig['responses'][string];

/** What every feature's OpenAPI file is given: the bearer security and the common response shapes. */
export interface OpenApiHelpers {
  security: RouteConfig['security'];
  json: (description: string) => Response;
  error: Response;
}

/** `path(method, p, request, responses)` and `body(schema)` for one feature's entries, all behind the bearer token. */
export function pathRegistrar(registry: OpenAPIRegistry, h: OpenApiHelpers) {
  return {
    body: (schema: z.ZodType) => ({ content: { 'application/json': { schema } } }),
    path: (
      method: RouteConfig['method'],
      p: string,
      request: RouteConfig['request'],
      responses: RouteConfig['responses'],
    ) => registry.registerPath({ method, path: p, security: h.security, request, responses }),
  };
}
