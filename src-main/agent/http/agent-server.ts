import { registerSecret, type Logger } from '../../shared/node/structured-log.js';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createTimedServer, SERVER_TIMEOUTS } from '../../shared/node/http-listen.js';
import { errorReply, sendJson } from '../../shared/node/http-errors.js';
import { readJsonBody } from '../../shared/node/json-body.js';
import { bodyPending } from '../../shared/node/read-body.js';
import { validateInputs, type RouteDef } from '../../shared/node/route.js';
import { checkClusterToken } from './agent-auth.js';
import { RouteTable, type RouteDescriptor } from './route-table.js';

export interface AgentServerOptions {
  /** The cluster token; undefined disables authentication (`--insecure`). */
  clusterToken: string | undefined;
  logger: Logger;
  /** An upload body that sends nothing for this long is cut off (default `SERVER_TIMEOUTS`). */
  uploadStallMs?: number;
}

/** Cuts off a streamed body that sends nothing for `ms`; the watch ends with the body. */
function cutOffWhenStalled(req: IncomingMessage, ms: number): void {
  req.setTimeout(ms, () =>
    req.destroy(new Error(`the upload sent nothing for ${Math.round(ms / 1000)} s`)),
  );
  req.once('end', () => req.setTimeout(0));
}

function queryObject(search: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of search) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

async function serveRoute(
  route: RouteDef,
  params: Record<string, string>,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  uploadStallMs: number,
): Promise<void> {
  const readsJson = route.body !== undefined && route.streamBody === undefined;
  if (route.streamBody !== undefined) cutOffWhenStalled(req, uploadStallMs);
  const body = readsJson ? await readJsonBody(req) : undefined;
  const input = validateInputs(route, { params, query: queryObject(url.searchParams), body });
  if (!readsJson && route.streamBody === undefined) req.resume();
  const result: unknown = await route.handler({ ...input, req, res });
  if (route.raw) return;
  const status = route.status ?? 200;
  if (status === 204) res.writeHead(204).end();
  else sendJson(res, status, result);
}

/** The agent's request handler: routing, cluster-token auth, validation, and error mapping. */
export function createAgentHandler(
  routes: readonly RouteDef[],
  opts: AgentServerOptions,
): {
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  routes: () => RouteDescriptor[];
} {
  const table = new RouteTable(routes);
  if (opts.clusterToken) registerSecret(opts.clusterToken);
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
    if (bodyPending(req)) res.setHeader('connection', 'close');
    const reply = errorReply(err);
    if (reply.log !== undefined)
      opts.logger.error(reply.log, { method: req.method, url: req.url, error: err });
    if (reply.requestId !== undefined) {
      reply.body.detail = `Internal server error (request id ${reply.requestId}); see the agent log.`;
      opts.logger.error('unexpected error in agent request', {
        request_id: reply.requestId,
        method: req.method,
        url: req.url,
        error: err,
      });
    }
    sendJson(res, reply.status, reply.body);
  };
  const dispatch = (req: IncomingMessage, res: ServerResponse) => {
    // An answer given before the body was read closes the connection instead of reading it.
    const refuse = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      sendJson(res, status, body, bodyPending(req) ? { ...headers, connection: 'close' } : headers);
    const target = req.url ?? '/';
    // An absolute-form target (`GET http://host/x`) is for proxies; the agent is not one.
    if (!target.startsWith('/'))
      return refuse(400, { detail: 'The request target must be a path starting with /.' });
    // URL parsing collapses `..` and `%2e%2e` before routing, so `/local-models/../models/cache/x`
    // would reach another route: refuse such a target outright, for every route.
    if (hasDotSegment(target))
      return refuse(400, {
        detail: "The request path contains '.' or '..' segments; send names without them.",
      });
    // Prefixed, not resolved against a base: `//x/y` stays a path instead of naming a host.
    const url = new URL(`http://agent${target}`);
    const match = table.match(req.method ?? 'GET', url.pathname);
    if (match.kind === 'not-found') return refuse(404, { detail: 'Not Found' });
    if (match.kind === 'wrong-method') {
      const allow = [...new Set(match.allowed)].map((m) => m.toUpperCase()).join(', ');
      return refuse(405, { detail: 'Method Not Allowed' }, { allow });
    }
    if (!match.route.public) {
      const problem = checkClusterToken(opts.clusterToken, req.headers.authorization);
      if (problem !== null)
        return refuse(401, { detail: problem }, { 'www-authenticate': 'Bearer' });
    }
    const stallMs = opts.uploadStallMs ?? SERVER_TIMEOUTS.uploadStallMs;
    serveRoute(match.route, match.params, url, req, res, stallMs).catch((err: unknown) =>
      fail(req, res, err),
    );
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    try {
      dispatch(req, res);
    } catch (err) {
      fail(req, res, err);
    }
  };
  return { handle, routes: () => table.list() };
}

/** A plain node:http server for the agent's routes. */
export function createAgentServer(
  routes: readonly RouteDef[],
  opts: AgentServerOptions,
): { server: Server; routes: () => RouteDescriptor[] } {
  const { handle, routes: list } = createAgentHandler(routes, opts);
  const server = createTimedServer(handle, SERVER_TIMEOUTS.agentRequestMs);
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
