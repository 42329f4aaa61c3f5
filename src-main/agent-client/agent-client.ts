// The control plane's typed client of the agent API: one undici pool per node, the cluster token
// on every call, a timeout on every call, and every reply parsed with the shared contract's schema.
import type { Readable } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
import { AGENT_API, type AgentApi, type AgentOperation } from '../shared/agent-protocol/api.js';
import { AppError, errorMessage } from '../shared/errors.js';
import type { Contract, ParamsIn, QueryIn, ResponseOf, BodyIn } from '../shared/http-contract.js';
import { urlHost } from '../shared/net.js';
import { RelayedError } from '../shared/node/http-errors.js';
import { toValidationIssues } from '../shared/validation-issues.js';

/** Where an agent listens. */
export interface AgentAddress {
  host: string;
  port: number;
}

/** The inputs of one call, typed from the operation's contract. */
export type CallInput<C> = (ParamsIn<C> extends undefined
  ? { params?: undefined }
  : { params: ParamsIn<C> }) &
  (QueryIn<C> extends undefined ? { query?: undefined } : { query: QueryIn<C> }) &
  (BodyIn<C> extends undefined ? { body?: undefined } : { body: BodyIn<C> });

export interface CallOptions {
  /** Overrides the operation's default timeout, ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A raw reply passed through to a client (downloads and uploads). */
export interface StreamedReply {
  status: number;
  headers: Record<string, string>;
  body: Readable;
}

/** Per-operation timeouts, ms (behaviour.md §1.8 "Host → agent timeouts"); others get `DEFAULT`. */
const TIMEOUTS: Partial<Record<AgentOperation, number>> = {
  start: 1_800_000,
  status: 30_000,
  // A watch is held up to 30 s (WatchQuerySchema) before it answers.
  watch: 45_000,
  metrics: 15_000,
  info: 10_000,
  portCheck: 5_000,
  packageUpload: 120_000,
  pause: 120_000,
  resume: 180_000,
  plan: 15_000,
  containerStop: 60_000,
  gpuProcessKill: 30_000,
  sleeperKill: 30_000,
  cacheDelete: 120_000,
  hfCacheDelete: 120_000,
  localModelDelete: 120_000,
  imageDelete: 120_000,
  imagePrune: 300_000,
  uploadFile: 3_600_000,
  archive: 3_600_000,
  logsDownload: 300_000,
};
const DEFAULT_TIMEOUT_MS = 10_000;

/** A failure to reach an agent (connection refused, timeout, reset): answered 502. */
export class AgentUnreachableError extends AppError {
  constructor(
    readonly base: string,
    cause: string,
  ) {
    super('bad_gateway', `Failed to reach agent at ${base}: ${cause}`);
    this.name = 'AgentUnreachableError';
  }
}

function baseUrl(a: AgentAddress): string {
  return `http://${urlHost(a.host)}:${a.port}`;
}

type Scalar = string | number | boolean;
const scalar = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';

/** The path of a contract with its parameters filled in (`{name*}` keeps its slashes). */
export function pathFor(c: Contract, params: Record<string, Scalar> | undefined): string {
  return c.path.replace(/\{(\w+)(\*?)\}/g, (_m, name: string, rest: string) => {
    const v = scalar(params?.[name]);
    return rest === '*' ? v.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(v);
  });
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null) q.set(k, scalar(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

function describeCause(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown }).code;
  return typeof code === 'string' ? `${code} (${errorMessage(cause)})` : errorMessage(cause);
}

/**
 * The agent API as the control plane calls it. Replies that do not match the contract are an
 * error naming the field, never a crash; an agent's own error status and detail are relayed.
 */
export class AgentClient {
  private readonly pools = new Map<string, Pool>();

  constructor(
    private readonly opts: {
      /** Sent as `Authorization: Bearer …`. */
      clusterToken: string;
      /** Connections per node. */
      connections?: number;
    },
  ) {}

  private pool(base: string): Pool {
    let p = this.pools.get(base);
    if (!p) {
      p = new Pool(base, {
        connections: this.opts.connections ?? 16,
        keepAliveTimeout: 30_000,
        // Timeouts are per call (below); the pool never cuts a long upload or download.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      this.pools.set(base, p);
    }
    return p;
  }

  private async send(
    agent: AgentAddress,
    op: AgentOperation,
    input: { params?: unknown; query?: unknown; body?: unknown },
    extra: { body?: Readable | string; headers?: Record<string, string>; opts?: CallOptions },
  ): Promise<{ base: string; res: Dispatcher.ResponseData; timer: NodeJS.Timeout }> {
    const c: Contract = AGENT_API[op];
    const base = baseUrl(agent);
    const path =
      pathFor(c, input.params as Record<string, Scalar> | undefined) +
      queryString(input.query as Record<string, unknown> | undefined);
    const ac = new AbortController();
    const timeoutMs = extra.opts?.timeoutMs ?? TIMEOUTS[op] ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(
      () => ac.abort(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref();
    const signal = extra.opts?.signal ? AbortSignal.any([ac.signal, extra.opts.signal]) : ac.signal;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.opts.clusterToken}`,
      ...extra.headers,
    };
    let body = extra.body;
    if (body === undefined && input.body !== undefined) {
      body = JSON.stringify(input.body);
      headers['content-type'] = 'application/json';
    }
    try {
      const res = await this.pool(base).request({
        method: c.method.toUpperCase(),
        path,
        headers,
        body,
        signal,
      });
      return { base, res, timer };
    } catch (err) {
      clearTimeout(timer);
      if (extra.opts?.signal?.aborted) throw err;
      throw new AgentUnreachableError(
        base,
        ac.signal.aborted ? describeCause(ac.signal.reason) : describeCause(err),
      );
    }
  }

  /** Calls one operation and returns its reply parsed with the contract's response schema. */
  async call<K extends AgentOperation>(
    agent: AgentAddress,
    op: K,
    input: CallInput<AgentApi[K]>,
    opts: CallOptions = {},
  ): Promise<ResponseOf<AgentApi[K]>> {
    const { base, res, timer } = await this.send(agent, op, input, { opts });
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw new AgentUnreachableError(base, describeCause(err));
    } finally {
      clearTimeout(timer);
    }
    const json = parseJson(text);
    if (res.statusCode >= 400) throw relayed(base, op, res.statusCode, json, text);
    const schema = (AGENT_API[op] as Contract).response;
    if (!schema) return json as ResponseOf<AgentApi[K]>;
    const parsed = schema.safeParse(json, { reportInput: true });
    if (parsed.success) return parsed.data as ResponseOf<AgentApi[K]>;
    const issue = toValidationIssues('body', parsed.error.issues)[0];
    const where = issue ? issue.loc.slice(1).join('.') || 'body' : 'body';
    throw new AppError(
      'bad_gateway',
      `The agent at ${base} answered ${AGENT_API[op].path} with an unexpected body: ${where}: ${issue?.msg ?? 'invalid'}. Is it an Aerie agent of this version?`,
    );
  }

  /**
   * Calls an operation chosen at run time (the node pass-throughs) with inputs the caller has
   * validated with the same contract; the reply is parsed as in `call`.
   */
  relay(
    agent: AgentAddress,
    op: AgentOperation,
    input: { params?: unknown; query?: unknown; body?: unknown },
    opts: CallOptions = {},
  ): Promise<unknown> {
    return this.call(agent, op, input as CallInput<AgentApi[typeof op]>, opts);
  }

  /**
   * Calls one operation and returns the raw reply (status, headers, body stream) for relaying:
   * downloads, and uploads whose request body is `body` (streamed, never buffered).
   */
  async stream(
    agent: AgentAddress,
    op: AgentOperation,
    input: { params?: unknown; query?: unknown },
    extra: { body?: Readable; headers?: Record<string, string> } & CallOptions = {},
  ): Promise<StreamedReply> {
    const { res, timer } = await this.send(agent, op, input, {
      body: extra.body,
      headers: extra.headers,
      opts: extra,
    });
    res.body.once('close', () => clearTimeout(timer));
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers))
      if (typeof v === 'string') headers[k] = v;
      else if (Array.isArray(v)) headers[k] = v.join(', ');
    return { status: res.statusCode, headers, body: res.body };
  }

  /** Drops the pool of an agent (its node was deleted or moved). */
  async forget(agent: AgentAddress): Promise<void> {
    const base = baseUrl(agent);
    const p = this.pools.get(base);
    this.pools.delete(base);
    await p?.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The agent's error passed on with its status and detail (behaviour.md §1.7). */
function relayed(base: string, op: AgentOperation, status: number, json: unknown, text: string) {
  if (json && typeof json === 'object' && 'detail' in json) return new RelayedError(status, json);
  return new AppError(
    'bad_gateway',
    `The agent at ${base} answered ${AGENT_API[op].path} with ${status}: ${text.slice(0, 200) || 'no body'}`,
  );
}
