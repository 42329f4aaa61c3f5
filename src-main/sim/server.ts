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
import {
  handleCollectiveRpc,
  handleIsSleeping,
  handleResetPrefixCache,
  handleSleep,
  handleWakeUp,
} from './sleep-routes.js';

type Handler = (ctx: SimContext, ex: Exchange, body: unknown) => void | Promise<void>;
interface Route {
  /** Read and parse a JSON body before calling the handler. */
  body: boolean;
  handler: Handler;
}
type RouteTable = Map<string, Map<string, Route>>;

const NOT_FOUND = Buffer.from('{"detail":"Not Found"}');
const NOT_ALLOWED = Buffer.from('{"detail":"Method Not Allowed"}');
const UNAUTHORIZED = Buffer.from('{"error":"Unauthorized"}');
const PROM_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const health: Handler = (ctx, ex) => ex.empty(ctx.dead ? 503 : 200);

/** The route table of a vLLM API server with these flags and env (interfaces.md §1.2). */
export function buildRoutes(ctx: SimContext): RouteTable {
  const table: RouteTable = new Map();
  const add = (method: string, path: string, handler: Handler, body = false) => {
    const byMethod = table.get(path) ?? new Map<string, Route>();
    byMethod.set(method, { body, handler });
    if (method === 'GET') byMethod.set('HEAD', { body: false, handler });
    table.set(path, byMethod);
  };
  add('GET', '/health', health);
  add('GET', '/ping', health);
  add('POST', '/ping', health);
  add('GET', '/load', (c, ex) =>
    ex.json(200, { server_load: c.engine.runningCount + c.engine.waitingCount }),
  );
  add('GET', '/version', (c, ex) => ex.json(200, { version: c.options.vllmVersion }));
  add('GET', '/v1/models', (c, ex) => handleModels(c, ex));
  add('POST', '/tokenize', handleTokenize, true);
  add('POST', '/detokenize', handleDetokenize, true);
  add('POST', '/v1/chat/completions', (c, ex, b) => handleGeneration(c, ex, 'chat', b), true);
  add('POST', '/v1/completions', (c, ex, b) => handleGeneration(c, ex, 'completion', b), true);
  add('POST', '/v1/embeddings', handleEmbeddings, true);
  const metrics: Handler = (c, ex) => {
    c.metrics.kvUsage.value = c.engine.kvUsage();
    ex.send(200, c.metrics.render(), PROM_TYPE);
  };
  add('GET', '/metrics', metrics);
  add('GET', '/metrics/', metrics);
  if (ctx.options.devMode) {
    add('POST', '/sleep', (c, ex) => handleSleep(c, ex));
    add('POST', '/wake_up', (c, ex) => handleWakeUp(c, ex));
    add('GET', '/is_sleeping', handleIsSleeping);
    add('POST', '/reset_prefix_cache', handleResetPrefixCache);
    add('POST', '/collective_rpc', handleCollectiveRpc, true);
    add('GET', '/server_info', (c, ex) =>
      ex.json(200, { vllm_config: `model='${c.args.model}', max_model_len=${c.maxModelLen}` }),
    );
  }
  if (ctx.options.allowRuntimeLora) {
    add('POST', '/v1/load_lora_adapter', handleLoadLora, true);
    add('POST', '/v1/unload_lora_adapter', handleUnloadLora, true);
  }
  return table;
}

function fail(ctx: SimContext, ex: Exchange, err: unknown): void {
  if (err instanceof VllmError) {
    ex.send(err.status, errorBody(err, ctx.options.flatErrors));
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  ctx.log.error('APIServer', 'api_server.py:1200', `Unhandled error: ${message}`);
  ex.send(
    500,
    errorBody(new VllmError(500, 'InternalServerError', message), ctx.options.flatErrors),
  );
}

/** The simulator's HTTP server: plain node:http, one table lookup per request. */
export function createSimServer(ctx: SimContext): Server {
  const table = buildRoutes(ctx);
  const apiKey = ctx.args.apiKey ?? ctx.options.apiKey;
  const expectedAuth = apiKey === null ? null : `Bearer ${apiKey}`;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const ex = new Exchange(req, res, ctx.log);
    const byMethod = table.get(ex.path);
    if (
      expectedAuth !== null &&
      ex.path.startsWith('/v1') &&
      req.headers.authorization !== expectedAuth
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
    if (!route.body) {
      try {
        const out = route.handler(ctx, ex, undefined);
        if (out instanceof Promise) out.catch((err: unknown) => fail(ctx, ex, err));
      } catch (err) {
        fail(ctx, ex, err);
      }
      return;
    }
    readJson(req)
      .then(
        (body) => route.handler(ctx, ex, body),
        (err: unknown) => fail(ctx, ex, err),
      )
      .catch((err: unknown) => fail(ctx, ex, err));
  });
  server.keepAliveTimeout = 5000;
  return server;
}
