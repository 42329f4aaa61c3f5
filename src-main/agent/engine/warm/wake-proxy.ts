import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';
import { errorMessage } from '../../../shared/errors.js';

/** What the proxy needs from the engine for one warm deployment. */
export interface WakeProxyHooks {
  /** Resolves once the model is awake (waking it if paused); rejects when it cannot be woken. */
  ensureActive(): Promise<void>;
  /** Called when a generation request arrives: feeds the LRU order and the busy guard. */
  touch(): void;
}

export interface WakeProxyOptions {
  publicPort: number;
  internalPort: number;
  host?: string;
  hooks: WakeProxyHooks;
}

/**
 * Seconds a client should wait before retrying a request whose wake failed (`model_resuming`):
 * a level-1 wake takes 0.1–6 s (interfaces.md §1.7), so a few seconds, not the wake timeout.
 */
export const RESUME_RETRY_AFTER_SECONDS = 5;

const GENERATION = new Set(['/v1/chat/completions', '/v1/completions', '/v1/embeddings']);
/**
 * vLLM's dev-mode routes (`VLLM_SERVER_DEV_MODE=1`, which warm mode needs for sleep): sleep
 * control, worker RPC (`/collective_rpc` calls any worker method), the config dump, cache resets
 * and the RL weight-update hooks of newer versions. They exist only on the loopback server and
 * never leave the box (interfaces.md §1.2, §1.7).
 */
const DEV_MODE_ROUTES = new Set([
  '/sleep',
  '/wake_up',
  '/is_sleeping',
  '/collective_rpc',
  '/server_info',
  '/reset_prefix_cache',
  '/reset_mm_cache',
  '/reset_encoder_cache',
  '/pause',
  '/resume',
  '/is_paused',
  '/init_weight_transfer',
  '/update_weights',
  '/get_world_size',
]);

/**
 * The path of a request target as the upstream server routes it: percent-decoded, dot segments
 * resolved, repeated and trailing slashes dropped, lower-cased; null when it cannot be decoded.
 */
function canonicalPath(target: string): string | null {
  try {
    // Origin-form targets are appended (a leading `//` would otherwise read as a host); an
    // absolute-form target (`http://host/sleep`) is routed by its path upstream, so parse it whole.
    const url = target.startsWith('/') ? new URL(`http://upstream${target}`) : new URL(target);
    const path = decodeURIComponent(url.pathname).replace(/\/+/g, '/').replace(/\/$/, '');
    return (path || '/').toLowerCase();
  } catch {
    return null;
  }
}

/** True when the request target reaches a dev-mode route upstream (an undecodable one counts). */
function isDevModePath(target: string): boolean {
  const path = canonicalPath(target);
  return path === null || DEV_MODE_ROUTES.has(path);
}

const HOP_BY_HOP = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function openAiError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  type: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { message, type, param: null, code } });
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function forwardHeaders(h: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || HOP_BY_HOP.has(k)) continue;
    out[k] = v;
  }
  return out;
}

/**
 * The agent-owned front of a warm deployment: holds the public port, forwards everything to the
 * loopback vLLM server (streaming both ways, with backpressure), and wakes a paused model on the
 * first generation request. vLLM has no guard against inference while asleep, hence the wake first.
 */
export class WakeProxy {
  private readonly server: Server;
  private readonly pool: Pool;
  private inflightCount = 0;

  constructor(private readonly opts: WakeProxyOptions) {
    this.pool = new Pool(`http://127.0.0.1:${opts.internalPort}`, {
      connections: 200,
      connect: { timeout: 10_000 },
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    this.server.keepAliveTimeout = 65_000;
  }

  /** Generation requests currently being forwarded (a model with one in flight must not sleep). */
  get inflight(): number {
    return this.inflightCount;
  }

  /** Starts listening on the public port; rejects when it is taken. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port: this.opts.publicPort, host: this.opts.host ?? '0.0.0.0' }, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    await this.pool.destroy();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    if (isDevModePath(url)) {
      openAiError(res, 404, 'not_found', 'Not Found', 'NotFoundError');
      return;
    }
    // Judged on the path vLLM will route, so an encoded or doubled slash cannot skip the wake.
    const generation = req.method === 'POST' && GENERATION.has(canonicalPath(url) ?? '');
    if (generation) {
      this.inflightCount++;
      res.once('close', () => this.inflightCount--);
      this.opts.hooks.touch();
      try {
        await this.opts.hooks.ensureActive();
      } catch {
        req.resume();
        openAiError(
          res,
          503,
          'model_resuming',
          'Model is resuming; retry shortly.',
          'ServiceUnavailableError',
          { 'retry-after': String(RESUME_RETRY_AFTER_SECONDS) },
        );
        return;
      }
    }
    await this.forward(req, res, url);
    if (generation) this.opts.hooks.touch();
  }

  private async forward(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    const abort = new AbortController();
    // A client that goes away cancels the upstream request, so vLLM stops generating for nobody.
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const method = (req.method ?? 'GET').toUpperCase();
    const hasBody = method !== 'GET' && method !== 'HEAD';
    let upstream;
    try {
      upstream = await this.pool.request({
        path: url,
        method,
        headers: forwardHeaders(req.headers),
        body: hasBody ? req : null,
        signal: abort.signal,
      });
    } catch (err) {
      if (abort.signal.aborted) return;
      openAiError(
        res,
        502,
        'deployment_unreachable',
        `Deployment is unreachable: ${errorMessage(err)}`,
        'BadGatewayError',
      );
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(upstream.headers)) {
      if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    }
    res.writeHead(upstream.statusCode, headers);
    res.flushHeaders();
    try {
      await pipeline(upstream.body, res);
    } catch {
      // Client abort or upstream reset mid-stream: both ends are torn down by pipeline already.
    }
  }
}
