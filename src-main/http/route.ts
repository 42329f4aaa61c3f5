import type { Request, Response } from 'express';
import type { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What a handler receives: validated inputs plus the raw request for the rare route that streams. */
export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
}

/**
 * One REST route: the single description from which Express registration, input validation and
 * the OpenAPI entry are all derived. `path` uses OpenAPI braces: `/api/configs/{config_id}`.
 */
export interface RouteDef<P = unknown, Q = unknown, B = unknown> {
  method: HttpMethod;
  path: string;
  tag: string;
  summary: string;
  description?: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Success status; 204 sends no body. */
  status?: number;
  /** Success body schema; omitted for 204 and for `raw` routes that document `produces`. */
  response?: z.ZodType;
  /** Content type of a raw route's success body (text/html, text/plain…). */
  produces?: string;
  /** Error statuses this route can answer with, beyond 422 for invalid input. */
  errors?: number[];
  /** The handler writes the response itself (HTML pages, file streams). */
  raw?: boolean;
  handler(ctx: RouteContext<P, Q, B>): unknown;
}

/** Keeps a route's generic types while collecting routes of different shapes in one list. */
export function route<P = undefined, Q = undefined, B = undefined>(
  def: RouteDef<P, Q, B>,
): RouteDef {
  return def;
}

/** `/api/x/{id}` → `/api/x/:id` */
export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}
