import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';

/** Parses and keeps the parsed values: handlers read typed input from `parsed(res)`. */
export function validate<B extends z.ZodType = z.ZodUnknown, P extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown>(schemas: {
  body?: B;
  params?: P;
  query?: Q;
}) {
  return (req: Request, res: Response, next: NextFunction): void => {
    try {
      res.locals.parsed = {
        body: schemas.body ? schemas.body.parse(req.body) : req.body,
        params: schemas.params ? schemas.params.parse(req.params) : req.params,
        query: schemas.query ? schemas.query.parse(req.query) : req.query,
      };
      next();
    } catch (e) {
      next(e);
    }
  };
}

export function parsed<B = unknown, P = unknown, Q = unknown>(res: Response): { body: B; params: P; query: Q } {
  return res.locals.parsed as { body: B; params: P; query: Q };
}
