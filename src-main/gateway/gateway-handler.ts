// The `/v1` hot path (DESIGN.md §6): a plain Node handler ahead of Express. Per request: the key
// table and the route table (both in memory), the body read once to find `model`, one pooled
// upstream request, and the answer relayed as it comes (SSE byte for byte) with backpressure.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { errorMessage } from '../shared/errors.js';
import { jsonNestsDeeperThan } from '../shared/node/json-body.js';
import { sendJson } from '../shared/node/http-errors.js';
import { readBody } from '../shared/node/read-body.js';
import type { Settings } from '../shared/settings.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { CachedKey, KeyCache } from './key-cache.js';
import type { KeyLimits } from './key-limits.js';
import { errorBody, gatewayError, sendGatewayError, type GatewayError } from './openai-error.js';
import type { RouteTable, Target } from './route-table.js';
import type { RequestUsage, UsageMeter } from './usage-meter.js';
import { UpstreamRelay } from './upstream-relay.js';

/**
 * The routes relayed to the deployment by the request body's `model`, with the path vLLM serves
 * each at: the tokenizer routes live outside `/v1` on vLLM, inside it on the gateway.
 */
const RELAYED: ReadonlyMap<string, string> = new Map([
  ['/v1/chat/completions', '/v1/chat/completions'],
  ['/v1/completions', '/v1/completions'],
  ['/v1/embeddings', '/v1/embeddings'],
  ['/v1/rerank', '/v1/rerank'],
  ['/v1/score', '/v1/score'],
  ['/v1/tokenize', '/tokenize'],
  ['/v1/detokenize', '/detokenize'],
]);
/** Routes whose streams end with a usage chunk when `stream_options.include_usage` is set. */
const USAGE_STREAMS: ReadonlySet<string> = new Set(['/v1/chat/completions', '/v1/completions']);
/** Large enough for long prompts and inline images; a body over it is 413. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const BODY_DEADLINE_MS = 30_000;
/** A comment line this often keeps a stream for a waking model alive (and shows progress). */
const WAKE_COMMENT_MS = 3_000;

export interface GatewayDeps {
  keys: KeyCache;
  routes: RouteTable;
  limits: KeyLimits;
  usage: UsageMeter;
  metrics: GatewayMetrics;
  settings: () => Settings;
  now?: () => number;
}

/** The `/v1` handler; `close` ends every upstream pool. */
export interface Gateway {
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}
class BodyTooSlow extends Error {}

export function createGateway(deps: GatewayDeps): Gateway {
  const now = deps.now ?? Date.now;
  const pools = new Map<string, Pool>();
  const poolFor = (origin: string) => {
    let p = pools.get(origin);
    if (!p) {
      p = new Pool(origin, { connections: 128, keepAliveTimeout: 60_000, connectTimeout: 10_000 });
      pools.set(origin, p);
    }
    return p;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = now();
    const q = req.url!.indexOf('?');
    const path = q < 0 ? req.url! : req.url!.slice(0, q);
    const fail = (e: GatewayError, model = '') => {
      sendGatewayError(res, e);
      deps.metrics.onRequest(path, model, e.status, (now() - started) / 1000);
    };
    if (!deps.settings().gateway_enabled)
      return fail(
        gatewayError(
          503,
          'gateway_disabled',
          'service_unavailable',
          "The OpenAI gateway is disabled by the administrator; use the node's direct URL instead.",
        ),
      );
    const caller = deps.keys.authenticate(req.headers.authorization, started);
    if ('status' in caller) return fail(caller);
    const scope = caller.key?.scope ?? null;

    if (path === '/v1/models' || path === '/v1/models/') {
      if (req.method !== 'GET')
        return fail(
          gatewayError(405, 'method_not_allowed', 'invalid_request_error', 'Use GET /v1/models.'),
        );
      sendJson(res, 200, deps.routes.models(scope));
      deps.metrics.onRequest(path, '', 200, (now() - started) / 1000);
      return;
    }
    const upstreamPath = RELAYED.get(path);
    if (upstreamPath === undefined)
      return fail(
        gatewayError(
          404,
          'not_found',
          'invalid_request_error',
          `Unknown gateway route ${path}; this gateway serves ${[...RELAYED.keys(), '/v1/models'].join(', ')}.`,
        ),
      );
    if (req.method !== 'POST')
      return fail(
        gatewayError(405, 'method_not_allowed', 'invalid_request_error', `Use POST ${path}.`),
      );

    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY_BYTES, () => new BodyTooLarge(), {
        deadlineMs: BODY_DEADLINE_MS,
        tooSlow: () => new BodyTooSlow(),
      });
    } catch (err) {
      if (err instanceof BodyTooLarge)
        return fail(
          gatewayError(
            413,
            'request_too_large',
            'invalid_request_error',
            `The request body is over ${MAX_BODY_BYTES / 1024 / 1024} MiB.`,
          ),
        );
      if (err instanceof BodyTooSlow)
        return fail(
          gatewayError(
            408,
            'request_timeout',
            'invalid_request_error',
            `The request body did not arrive within ${BODY_DEADLINE_MS / 1000} s.`,
          ),
        );
      res.destroy();
      return;
    }
    let body: Record<string, unknown>;
    try {
      const text = raw.toString('utf8');
      // Only a long body can nest deep enough to matter (re-serialising it would then overflow).
      if (raw.length > 16_384 && jsonNestsDeeperThan(text, 64)) throw new Error('too deep');
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return fail(
        gatewayError(
          400,
          'invalid_json',
          'invalid_request_error',
          'The request body must be a JSON object.',
        ),
      );
    }
    const model = body.model;
    if (typeof model !== 'string' || model === '')
      return fail(
        gatewayError(
          400,
          'missing_model',
          'invalid_request_error',
          "The request body needs a string 'model' field.",
        ),
      );
    const found = deps.routes.resolve(model, scope);
    if ('status' in found) return fail(found, model);
    const key = caller.key;
    if (key) {
      const refused = deps.limits.admit(key, started);
      if (refused) return fail(refused, model);
    }
    const stream = body.stream === true;
    let strip = false;
    if (stream && USAGE_STREAMS.has(path)) {
      const opts = body.stream_options;
      const asked =
        typeof opts === 'object' &&
        opts !== null &&
        (opts as Record<string, unknown>).include_usage === true;
      if (!asked) {
        // Ask for the usage chunk to count tokens, and keep it from a client that did not ask.
        if (opts === undefined) raw = withUsageOption(raw);
        else {
          body.stream_options = {
            ...(typeof opts === 'object' && opts !== null ? opts : {}),
            include_usage: true,
          };
          raw = Buffer.from(JSON.stringify(body));
        }
        strip = true;
      }
    }
    relay(res, {
      path: q < 0 ? upstreamPath : upstreamPath + req.url!.slice(q),
      route: path,
      model,
      raw,
      stream,
      strip,
      target: found.target,
      key,
      started,
    });
  }

  interface Relay {
    path: string;
    route: string;
    model: string;
    raw: Buffer;
    stream: boolean;
    strip: boolean;
    target: Target;
    key: CachedKey | null;
    started: number;
  }

  function relay(res: ServerResponse, r: Relay): void {
    const { target, model } = r;
    const seconds = () => (now() - r.started) / 1000;
    if (target.origin === null) {
      sendGatewayError(
        res,
        gatewayError(
          502,
          'node_missing',
          'upstream_error',
          `Deployment ${target.id} has no node; it cannot be reached.`,
        ),
      );
      deps.metrics.onRequest(r.route, model, 502, seconds());
      return;
    }
    const settings = deps.settings();
    let comments: NodeJS.Timeout | undefined;
    let hold: NodeJS.Timeout | undefined;
    const held = target.asleep;
    /** Seconds to the upstream's first byte, counted once the answer is out (off its path). */
    let firstByte = -1;
    const settle = (status: number) => {
      clearInterval(comments);
      clearTimeout(hold);
      deps.metrics.inFlight -= 1;
      if (!r.stream && firstByte >= 0) deps.metrics.onFirstByte(r.route, model, firstByte);
      deps.metrics.onRequest(r.route, model, status || 499, seconds());
    };
    const exchange = new UpstreamRelay(
      res,
      r.strip,
      {
        start: () => {
          clearInterval(comments);
          clearTimeout(hold);
          if (held) deps.metrics.onWakeHold(model, 'woke');
          firstByte = seconds();
          // A stream's first byte shows at once; a JSON answer's when it has been relayed.
          if (r.stream) deps.metrics.onFirstByte(r.route, model, firstByte);
        },
        end: (status, usage) => {
          if (usage) count(r, usage);
          settle(status);
        },
        fail: (err, upstream) => settle(failed(res, r, settings, err, upstream)),
      },
      (status, text) =>
        `data: ${text.trim() || errorBody(gatewayError(status, 'upstream_error', 'upstream_error', `Deployment ${target.id} answered ${status}.`))}\n\n`,
    );
    // `on`, not `once`: a response closes once, and `once` wraps and binds a listener per request.
    res.on('close', () => {
      if (!res.writableFinished) exchange.abort(CLIENT_GONE);
    });
    deps.metrics.inFlight += 1;
    if (held) {
      if (r.stream) {
        // Headers now, then a comment line every few seconds until the model answers.
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(`: waking ${model}\n\n`);
        comments = setInterval(() => res.write(`: waking ${model}\n\n`), WAKE_COMMENT_MS);
      }
      if (settings.gateway_wake_hold_seconds > 0)
        hold = setTimeout(
          () => exchange.abort(new WakeTimeout()),
          settings.gateway_wake_hold_seconds * 1000,
        );
    }
    const timeoutMs = r.stream ? 0 : settings.gateway_timeout_seconds * 1000;
    poolFor(target.origin).dispatch(
      {
        path: r.path,
        method: 'POST',
        headers: ['content-type', 'application/json', 'content-length', String(r.raw.length)],
        body: r.raw,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      },
      exchange,
    );
  }

  /**
   * Answers a failed exchange (when the client is still there) and returns the status to count:
   * a hold that ran out is 503 `model_loading`, no answer in time 504, no answer at all 502; a
   * failure mid-answer cuts the client's connection.
   */
  function failed(
    res: ServerResponse,
    r: Relay,
    settings: Settings,
    err: Error,
    upstream: number,
  ): number {
    const { target, model } = r;
    if (err === CLIENT_GONE) return upstream;
    if (err instanceof WakeTimeout) {
      deps.metrics.onWakeHold(model, 'timed_out');
      streamOrSend(
        res,
        gatewayError(
          503,
          'model_loading',
          'upstream_error',
          `Model '${model}' is waking up (deployment ${target.id}) and was not ready within ${settings.gateway_wake_hold_seconds} s; retry shortly.`,
          10,
        ),
      );
      return 503;
    }
    if (upstream !== 0) {
      // The upstream answered and then failed mid-body: nothing sensible is left to send.
      if (!res.destroyed) res.destroy();
      return upstream;
    }
    const timedOut = (err as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT';
    deps.metrics.onUpstreamError(model, timedOut ? 'timeout' : 'unreachable');
    const e = timedOut
      ? gatewayError(
          504,
          'upstream_timeout',
          'upstream_error',
          `Deployment ${target.id} did not answer within gateway_timeout_seconds (${settings.gateway_timeout_seconds} s).`,
        )
      : gatewayError(
          502,
          'deployment_unreachable',
          'upstream_error',
          `Deployment ${target.id} at ${target.origin} did not answer: ${errorMessage(err)}`,
        );
    streamOrSend(res, e);
    return e.status;
  }

  function count(r: Relay, u: RequestUsage): void {
    const at = now();
    deps.usage.add(r.key?.id ?? null, r.target.id, r.target.served, u, at);
    deps.metrics.onTokens(r.target.served, u.prompt_tokens, u.completion_tokens);
    if (r.key) deps.limits.record(r.key, u.prompt_tokens + u.completion_tokens, at);
  }

  /** An error as a JSON answer, or as the last event of a stream whose headers went out. */
  function streamOrSend(res: ServerResponse, e: GatewayError): void {
    if (res.headersSent) res.end(`data: ${errorBody(e)}\n\n`);
    else sendGatewayError(res, e);
  }

  return {
    handle: (req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent)
          sendGatewayError(
            res,
            gatewayError(
              500,
              'internal_error',
              'upstream_error',
              'The gateway failed to handle this request.',
            ),
          );
        else res.destroy();
      });
    },
    async close() {
      await Promise.all([...pools.values()].map((p) => p.destroy()));
      pools.clear();
    },
  };
}

class WakeTimeout extends Error {}

const USAGE_OPTION = Buffer.from('"stream_options":{"include_usage":true},');

/**
 * The request body with `stream_options.include_usage` set, spliced in after the object's `{`:
 * the body is an object with at least `model` and no `stream_options` key, so the bytes after
 * the brace start a member and the result is the same JSON plus one member, unserialised.
 */
function withUsageOption(raw: Buffer): Buffer {
  const brace = raw.indexOf(0x7b); // '{', after any leading whitespace
  return Buffer.concat([raw.subarray(0, brace + 1), USAGE_OPTION, raw.subarray(brace + 1)]);
}
/** The abort reason when the client closed its connection before the answer was complete. */
const CLIENT_GONE = new Error('the client went away');
