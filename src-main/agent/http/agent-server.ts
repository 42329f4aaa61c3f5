import { readBody } from '../../shared/node/read-body.js';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { z } from 'zod';
import { registerAgentSecret, type AgentLogger } from '../logs/agent-logger.js';
import { checkClusterToken } from './agent-auth.js';
import { AgentHttpError, type AgentRoute } from './agent-route.js';
import { toAgentIssues, type AgentValidationIssue, type InputPart } from './agent-validation.js';
import { RouteTable, type RouteDescriptor } from './route-table.js';

/** JSON bodies above this are refused with 413 (uploads use `streamBody` routes). */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

export interface AgentServerOptions {
  /** The cluster token; undefined disables authentication (`--insecure`). */
  clusterToken: string | undefined;
  logger: AgentLogger;
}

class ValidationFailure extends Error {
  constructor(readonly issues: AgentValidationIssue[]) {
    super('validation failed');
  }
}

/** Sends `body` as JSON with `status`. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function validate<T>(
  schema: z.ZodType<T> | undefined,
  part: InputPart,
  value: unknown,
  issues: AgentValidationIssue[],
): T | undefined {
  if (!schema) return undefined;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  issues.push(...toAgentIssues(part, r.error.issues));
  return undefined;
}

function queryObject(search: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of search) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

async function parseJsonBody(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(
    req,
    MAX_JSON_BODY_BYTES,
    () => new AgentHttpError(413, `Request body is larger than ${MAX_JSON_BODY_BYTES} bytes.`),
  );
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new ValidationFailure([
      { loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' },
    ]);
  }
}

async function serveRoute(
  route: AgentRoute,
  params: Record<string, string>,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const issues: AgentValidationIssue[] = [];
  const p = validate(route.params, 'path', params, issues);
  const q = validate(route.query, 'query', queryObject(url.searchParams), issues);
  let rawBody: unknown;
  if (route.body && !route.streamBody) rawBody = await parseJsonBody(req);
  const b = validate(
    route.body && !route.streamBody ? route.body : undefined,
    'body',
    rawBody,
    issues,
  );
  if (issues.length > 0) throw new ValidationFailure(issues);
  if (!route.body && !route.streamBody) req.resume();
  const result: unknown = await route.handler({ params: p, query: q, body: b, req, res });
  if (route.raw) return;
  sendJson(res, route.status ?? 200, result);
}

/** The agent's request handler: routing, cluster-token auth, validation, and error mapping. */
export function createAgentHandler(
  routes: readonly AgentRoute[],
  opts: AgentServerOptions,
): {
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  routes: () => RouteDescriptor[];
} {
  const table = new RouteTable(routes);
  if (opts.clusterToken) registerAgentSecret(opts.clusterToken);
  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown) => {
    if (res.headersSent) {
      opts.logger.error('agent request failed after the response started', {
        method: req.method,
        url: req.url,
        error: err,
      });
      res.destroy();
      return;
    }
    if (err instanceof ValidationFailure) return sendJson(res, 422, { detail: err.issues });
    if (err instanceof AgentHttpError)
      return sendJson(res, err.status, { ...err.extra, detail: err.detail });
    const requestId = randomUUID();
    opts.logger.error('unexpected error in agent request', {
      request_id: requestId,
      method: req.method,
      url: req.url,
      error: err,
    });
    sendJson(res, 500, {
      detail: `Internal server error (request id ${requestId}); see the agent log.`,
      request_id: requestId,
    });
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    // URL parsing collapses `..` and `%2e%2e` before routing, so `/local-models/../models/cache/x`
    // would reach another route: refuse such a target outright, for every route.
    if (hasDotSegment(req.url ?? '/'))
      return sendJson(res, 400, {
        detail: "The request path contains '.' or '..' segments; send names without them.",
      });
    const url = new URL(req.url ?? '/', 'http://agent');
    const match = table.match(req.method ?? 'GET', url.pathname);
    if (match.kind === 'not-found') return sendJson(res, 404, { detail: 'Not Found' });
    if (match.kind === 'wrong-method') {
      return sendJson(
        res,
        405,
        { detail: 'Method Not Allowed' },
        { allow: [...new Set(match.allowed)].join(', ') },
      );
    }
    if (!match.route.public) {
      const problem = checkClusterToken(opts.clusterToken, req.headers.authorization);
      if (problem !== null)
        return sendJson(res, 401, { detail: problem }, { 'www-authenticate': 'Bearer' });
    }
    serveRoute(match.route, match.params, url, req, res).catch((err: unknown) =>
      fail(req, res, err),
    );
  };
  return { handle, routes: () => table.list() };
}

/** A plain node:http server for the agent's routes. */
export function createAgentServer(
  routes: readonly AgentRoute[],
  opts: AgentServerOptions,
): { server: Server; routes: () => RouteDescriptor[] } {
  const { handle, routes: list } = createAgentHandler(routes, opts);
  const server = createServer({ keepAliveTimeout: 65_000 }, handle);
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  return { server, routes: list };
}

export {
  closeServer as closeAgentServer,
  listen as listenAgent,
} from '../../shared/node/http-listen.js';

/** True when the raw request target has a `.` or `..` path segment, plain or percent-encoded. */
export function hasDotSegment(rawUrl: string): boolean {
  return (rawUrl.split('?')[0] ?? '').split('/').some((seg) => {
    try {
      const s = decodeURIComponent(seg);
      return s === '.' || s === '..';
    } catch {
      return false;
    }
  });
}
