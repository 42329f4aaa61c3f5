import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleGeneration } from './generate-routes.js';
import { errorBody, Exchange, readJson, VllmError } from './http-io.js';
import {
  handleDetokenize,
  handleEmbeddings,
  handleLoadLora,
  handleModels,
  handleTokenize,
  handleUnloadLora,
} from './model-routes.js';
import type { SimContext } from './sim-context.js';
import type { SimOptions } from './sim-options.js';
import {
  handleCollectiveRpc,
  handleIsSleeping,
  handleResetPrefixCache,
  handleSleep,
  handleWakeUp,
} from './sleep-routes.js';
import { errorMessage } from '../shared/errors.js';

type Handler = (ctx: SimContext, ex: Exchange, body: unknown) => void | Promise<void>;

/** One registered route: the server dispatches on it and the start-up banner lists it. */
export interface SimRoute {
  method: 'GET' | 'POST';
  path: string;
  /** More paths the same route answers on, not listed in the banner (vLLM mounts /metrics by regex). */
  aliases: readonly string[];
  /** Read and parse a JSON body before calling the handler. */
  body: boolean;
  handler: Handler;
}
type RouteTable = Map<string, Map<string, SimRoute>>;

const NOT_FOUND = Buffer.from('{"detail":"Not Found"}');
const NOT_ALLOWED = Buffer.from('{"detail":"Method Not Allowed"}');
const UNAUTHORIZED = Buffer.from('{"error":"Unauthorized"}');
const PROM_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const health: Handler = (ctx, ex) => ex.empty(ctx.dead ? 503 : 200);
const metrics: Handler = (c, ex) => {
  c.metrics.kvUsage.value = c.engine.kvUsage();
  ex.send(200, c.metrics.render(), PROM_TYPE);
};

const route = (
  method: SimRoute['method'],
  path: string,
  handler: Handler,
  opts: { body?: boolean; aliases?: readonly string[] } = {},
): SimRoute => ({ method, path, handler, body: opts.body ?? false, aliases: opts.aliases ?? [] });
const withBody = { body: true };

/** The routes every server has, in registration order (interfaces.md §1.2). */
const BASE_ROUTES: readonly SimRoute[] = [
  route('GET', '/health', health),
  route('GET', '/ping', health),
  route('POST', '/ping', health),
  route('GET', '/load', (c, ex) =>
    ex.json(200, { server_load: c.engine.runningCount + c.engine.waitingCount }),
  ),
  route('GET', '/version', (c, ex) => ex.json(200, { version: c.options.vllmVersion })),
  route('GET', '/v1/models', (c, ex) => handleModels(c, ex)),
  route('POST', '/tokenize', handleTokenize, withBody),
  route('POST', '/detokenize', handleDetokenize, withBody),
  route('POST', '/v1/chat/completions', (c, ex, b) => handleGeneration(c, ex, 'chat', b), withBody),
  route(
    'POST',
    '/v1/completions',
    (c, ex, b) => handleGeneration(c, ex, 'completion', b),
    withBody,
  ),
  route('POST', '/v1/embeddings', handleEmbeddings, withBody),
  route('GET', '/metrics', metrics, { aliases: ['/metrics/'] }),
];

/** With VLLM_SERVER_DEV_MODE=1. */
const DEV_MODE_ROUTES: readonly SimRoute[] = [
  route('POST', '/sleep', (c, ex) => handleSleep(c, ex)),
  route('POST', '/wake_up', (c, ex) => handleWakeUp(c, ex)),
  route('GET', '/is_sleeping', handleIsSleeping),
  route('POST', '/reset_prefix_cache', handleResetPrefixCache),
  route('POST', '/collective_rpc', handleCollectiveRpc, withBody),
  route('GET', '/server_info', (c, ex) =>
    ex.json(200, { vllm_config: `model='${c.args.model}', max_model_len=${c.maxModelLen}` }),
  ),
];

/** With VLLM_ALLOW_RUNTIME_LORA_UPDATING. */
const RUNTIME_LORA_ROUTES: readonly SimRoute[] = [
  route('POST', '/v1/load_lora_adapter', handleLoadLora, withBody),
  route('POST', '/v1/unload_lora_adapter', handleUnloadLora, withBody),
];

/** The routes of a vLLM API server with these env switches, in registration order. */
export function buildRoutes(
  options: Pick<SimOptions, 'devMode' | 'allowRuntimeLora'>,
): readonly SimRoute[] {
  return [
    ...BASE_ROUTES,
    ...(options.devMode ? DEV_MODE_ROUTES : []),
    ...(options.allowRuntimeLora ? RUNTIME_LORA_ROUTES : []),
  ];
}

/** The lines after vLLM's "Available routes are:", one per registered route. */
export function routeBanner(routes: readonly SimRoute[]): string[] {
  return routes.map((r) => `Route: ${r.path}, Methods: ${r.method}`);
}

/** Path → method → route; a GET route also answers HEAD, and every alias path. */
function routeTable(routes: readonly SimRoute[]): RouteTable {
  const table: RouteTable = new Map();
  for (const r of routes) {
    for (const path of [r.path, ...r.aliases]) {
      const byMethod = table.get(path) ?? new Map<string, SimRoute>();
      byMethod.set(r.method, r);
      if (r.method === 'GET') byMethod.set('HEAD', r);
      table.set(path, byMethod);
    }
  }
  return table;
}

function fail(ctx: SimContext, ex: Exchange, err: unknown): void {
  if (err instanceof VllmError) {
    ex.send(err.status, errorBody(err, ctx.options.flatErrors));
    return;
  }
  const message = errorMessage(err);
  ctx.log.error('APIServer', 'api_server.py:1200', `Unhandled error: ${message}`);
  ex.send(
    500,
    errorBody(new VllmError(500, 'InternalServerError', message), ctx.options.flatErrors),
  );
}

/** Calls a route's handler (after reading its JSON body, if it takes one); errors become answers. */
function run(ctx: SimContext, ex: Exchange, route: SimRoute): void {
  if (!route.body) {
    try {
      const out = route.handler(ctx, ex, undefined);
      if (out instanceof Promise) out.catch((err: unknown) => fail(ctx, ex, err));
    } catch (err) {
      fail(ctx, ex, err);
    }
    return;
  }
  readJson(ex.req)
    .then(
      (body) => route.handler(ctx, ex, body),
      (err: unknown) => fail(ctx, ex, err),
    )
    .catch((err: unknown) => fail(ctx, ex, err));
}

/** The simulator's HTTP server over `routes`: plain node:http, one table lookup per request. */
export function createSimServer(ctx: SimContext, routes: readonly SimRoute[]): Server {
  const table = routeTable(routes);
  const keys = ctx.args.apiKeys.length > 0 ? ctx.args.apiKeys : [ctx.options.apiKey ?? ''];
  const accepted = new Set(keys.filter((k) => k !== '').map((k) => `Bearer ${k}`));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const ex = new Exchange(req, res, ctx.log);
    const byMethod = table.get(ex.path);
    if (
      accepted.size > 0 &&
      ex.path.startsWith('/v1') &&
      !accepted.has(req.headers.authorization ?? '')
    ) {
      ex.send(401, UNAUTHORIZED);
      return;
    }
    if (!byMethod) {
      ex.send(404, NOT_FOUND);
      return;
    }
    const route = byMethod.get(req.method ?? 'GET');
    if (!route) {
      ex.send(405, NOT_ALLOWED);
      return;
    }
    run(ctx, ex, route);
  });
  server.keepAliveTimeout = 5000;
  return server;
}
