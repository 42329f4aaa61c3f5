import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { negotiateApiVersion } from './engine-filters.js';
import { RuntimeError } from './runtime-error.js';
import { errorMessage } from '../../shared/errors.js';

/** What the engine says about itself, after version negotiation. */
export interface EngineIdentity {
  isPodman: boolean;
  /** The engine's product version (Podman's own version on Podman). */
  version: string;
  /** The server's Engine API version. */
  serverApiVersion: string;
  /** The version this client uses in request paths. */
  apiVersion: string;
}

export interface EngineResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

interface RequestOpts {
  method?: Dispatcher.HttpMethod;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  /** Statuses returned to the caller instead of becoming a RuntimeError. */
  accept?: number[];
  /** Undici header timeout; long calls (stop with a grace period) raise it. */
  headersTimeoutMs?: number;
  /** 0 disables the idle-body timeout (followed logs, pulls). */
  bodyTimeoutMs?: number;
  signal?: AbortSignal;
}

interface VersionBody {
  Version?: string;
  ApiVersion?: string;
  MinAPIVersion?: string;
  Components?: { Name?: string }[];
}

/**
 * A thin Engine API client over a unix socket. The API version is negotiated once from
 * `GET /_ping` and `GET /version` and then prefixed to every path.
 */
export class EngineApi {
  private readonly dispatcher: Agent;
  private identity: Promise<EngineIdentity> | null = null;

  constructor(readonly socketPath: string) {
    this.dispatcher = new Agent({ connect: { socketPath } });
  }

  /** Negotiates (once; retried after a failure) and returns the engine's identity. */
  identify(): Promise<EngineIdentity> {
    if (!this.identity) {
      this.identity = this.negotiate();
      this.identity.catch(() => {
        this.identity = null;
      });
    }
    return this.identity;
  }

  private async negotiate(): Promise<EngineIdentity> {
    const ping = await this.raw('/_ping', { headersTimeoutMs: 5000 });
    await ping.body.dump();
    if (ping.status !== 200)
      throw new RuntimeError(
        'internal',
        `engine at ${this.socketPath} answered /_ping with ${ping.status}`,
      );
    const ver = await this.raw('/version', { headersTimeoutMs: 5000 });
    const body = (await ver.body.json()) as VersionBody;
    const header = (name: string): string | undefined => {
      const v = ping.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const serverApi = header('api-version') ?? body.ApiVersion;
    if (!serverApi)
      throw new RuntimeError('internal', `engine at ${this.socketPath} reports no API version`);
    const isPodman =
      header('libpod-api-version') !== undefined ||
      (body.Components ?? []).some((c) => c.Name === 'Podman Engine');
    return {
      isPodman,
      version: body.Version ?? 'unknown',
      serverApiVersion: serverApi,
      apiVersion: negotiateApiVersion(serverApi, body.MinAPIVersion ?? null),
    };
  }

  /** A versioned request; non-accepted error statuses throw with the engine's `message`. */
  async call(path: string, opts: RequestOpts = {}): Promise<EngineResponse> {
    const { apiVersion } = await this.identify();
    const res = await this.raw(`/v${apiVersion}${path}`, opts);
    const accepted = opts.accept ?? [];
    if (res.status < 300 || accepted.includes(res.status)) return res;
    throw await errorFrom(res, `${opts.method ?? 'GET'} ${path}`);
  }

  /** A versioned request whose JSON body is returned (null for accepted error statuses). */
  async json<T>(path: string, opts: RequestOpts = {}): Promise<T | null> {
    const res = await this.call(path, opts);
    if (res.status >= 300 || res.status === 204) {
      await res.body.dump();
      return null;
    }
    return (await res.body.json()) as T;
  }

  private async raw(path: string, opts: RequestOpts): Promise<EngineResponse> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) qs.set(k, String(v));
    const q = qs.toString();
    try {
      const res = await request(`http://engine${path}${q ? `?${q}` : ''}`, {
        dispatcher: this.dispatcher,
        method: opts.method ?? 'GET',
        headers: opts.json === undefined ? {} : { 'content-type': 'application/json' },
        body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
        headersTimeout: opts.headersTimeoutMs ?? 60_000,
        bodyTimeout: opts.bodyTimeoutMs ?? 60_000,
        signal: opts.signal,
      });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const msg = errorMessage(err);
      throw new RuntimeError('internal', `engine at ${this.socketPath} is unreachable: ${msg}`);
    }
  }

  /** Closes the socket pool. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** Builds a RuntimeError from an engine error response (`{"message": …}`). */
export async function errorFrom(res: EngineResponse, what: string): Promise<RuntimeError> {
  const text = await res.body.text().catch(() => '');
  let message = text.trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // Not JSON: keep the raw text.
  }
  const code = res.status === 404 ? 'not_found' : res.status === 409 ? 'conflict' : 'internal';
  return new RuntimeError(code, `${what} failed (${res.status}): ${message || 'no message'}`);
}
