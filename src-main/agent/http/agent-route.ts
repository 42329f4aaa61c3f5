import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';

export type AgentMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The validated input of one agent request. */
export interface AgentRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: IncomingMessage;
  res: ServerResponse;
}

/**
 * One agent API route. `path` uses `:name` segments (`/deployments/logs`, `/images/:id`).
 * The server validates params/query/body with the zod schemas (422 `{"detail": [...]}` on
 * failure), requires the cluster token unless `public` is set, and sends the handler's return
 * value as JSON with `status` (default 200). A `raw` handler writes `res` itself (streams).
 * Handlers signal errors by throwing `AgentHttpError`.
 */
export interface AgentRoute<P = unknown, Q = unknown, B = unknown> {
  method: AgentMethod;
  path: string;
  summary: string;
  public?: boolean;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  status?: number;
  raw?: boolean;
  /** Body is a stream the handler reads itself (uploads); the server does not parse it. */
  streamBody?: boolean;
  handler(input: AgentRequest<P, Q, B>): unknown;
}

/** Keeps a route's generic types while collecting routes of different shapes in one list. */
export function agentRoute<P = undefined, Q = undefined, B = undefined>(
  r: AgentRoute<P, Q, B>,
): AgentRoute {
  return r;
}

/** An error answered as `{"detail": ...}` with its status (and optional extra fields). */
export class AgentHttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'AgentHttpError';
  }
}
