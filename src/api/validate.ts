import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { withSafeText } from './safe-text';
import { parseQueryString, rawQueryOf } from './query-string';

export interface RequestSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  /** Absent for routes that take no JSON body: whatever was sent is ignored, never handed on. */
  body?: z.ZodType;
  /** The route reads a binary body (express.raw): it is handed on as a Buffer, unparsed. */
  rawBody?: boolean;
}

export interface ParsedRequest {
  params: unknown;
  query: unknown;
  body: unknown;
}

const malformedQuery = (names: string[]) =>
  new z.ZodError(
    names.map((name) => ({
      code: 'custom' as const,
      path: [name],
      message: 'is not valid percent-encoded UTF-8',
      input: name,
    })),
  );

/**
 * Parses path, query and body with the route's zod schemas, each behind the text refinement (`withSafeText`), and
 * keeps the parsed values in `res.locals.parsed`; a route without a schema for a part gets nothing from it. The
 * query string is parsed here, strictly (`parseQueryString`), not by Express's lenient parser.
 */
export function validate(schemas: RequestSchemas) {
  const params = schemas.params && withSafeText(schemas.params);
  const query = schemas.query && withSafeText(schemas.query);
  const body = schemas.body && withSafeText(schemas.body);
  return (req: Request, res: Response, next: NextFunction): void => {
    try {
      let parsedQuery: unknown = {};
      if (query !== undefined) {
        const q = parseQueryString(rawQueryOf(req.originalUrl));
        if (q.malformed.length > 0) throw malformedQuery(q.malformed);
        parsedQuery = query.parse(q.values);
      }
      const parsed: ParsedRequest = {
        params: params !== undefined ? params.parse(req.params) : {},
        query: parsedQuery,
        body: body !== undefined ? body.parse(req.body) : schemas.rawBody === true ? (req.body as unknown) : undefined,
      };
      res.locals.parsed = parsed;
      next();
    } catch (e) {
      next(e);
    }
  };
}

export function parsedRequest(res: Response): ParsedRequest {
  return res.locals.parsed as ParsedRequest;
}
