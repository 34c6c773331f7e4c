import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { UserError } from '../connections/service';
import { formatIssues } from './admin-api';

/** Runs an async route and turns UserErrors and zod errors into clear 4xx answers. */
export function route(fn: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch((err: unknown) => {
      if (err instanceof UserError) {
        res.status(err.status).json({ error: err.message });
        return;
      }
      if (err instanceof z.ZodError) {
        res.status(400).json({ error: formatIssues(err) });
        return;
      }
      next(err);
    });
  };
}
