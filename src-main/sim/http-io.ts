import { readBody } from '../shared/node/read-body.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VllmLog } from './vllm-log.js';

/** One HTTP exchange: the parsed target plus the access-log hook. */
export class Exchange {
  readonly path: string;
  readonly query: URLSearchParams;
  private logged = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly log: VllmLog,
  ) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    this.path = q === -1 ? url : url.slice(0, q);
    this.query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  }

  /** Writes the status line and headers and logs the access line, as uvicorn does at response start. */
  head(status: number, headers: Record<string, string | number>): void {
    this.res.writeHead(status, { server: 'uvicorn', ...headers });
    if (this.logged) return;
    this.logged = true;
    const r = this.req;
    this.log.access(
      `${r.socket.remoteAddress ?? '127.0.0.1'}:${r.socket.remotePort ?? 0}`,
      r.method ?? 'GET',
      r.url ?? '/',
      r.httpVersion,
      status,
    );
  }

  send(status: number, body: string | Buffer, contentType = 'application/json'): void {
    if (this.res.headersSent || this.res.destroyed) return;
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    this.head(status, { 'content-type': contentType, 'content-length': buf.length });
    this.res.end(buf);
  }

  json(status: number, value: unknown): void {
    this.send(status, JSON.stringify(value));
  }

  /** 200 with an empty body, as vLLM's /health, /sleep and /wake_up answer. */
  empty(status = 200): void {
    if (this.res.headersSent || this.res.destroyed) return;
    this.head(status, { 'content-length': 0 });
    this.res.end();
  }
}

/** The `type` values vLLM puts in its error bodies. */
export type VllmErrorType =
  | 'BadRequestError'
  | 'NotFoundError'
  | 'InternalServerError'
  | 'InvalidUserInput'
  | 'Bad Request'
  | 'ServiceUnavailableError';

/** An error a handler throws; the server turns it into vLLM's error body. */
export class VllmError extends Error {
  constructor(
    readonly status: number,
    readonly type: VllmErrorType,
    message: string,
  ) {
    super(message);
  }
}

/** vLLM's error body: nested `{"error": {...}}` (v0.10.1+) or the older flat shape. */
export function errorBody(err: VllmError, flat: boolean): string {
  const info = { message: err.message, type: err.type, param: null, code: err.status };
  return JSON.stringify(flat ? { object: 'error', ...info } : { error: info });
}

const MAX_BODY = 32 * 1024 * 1024;

/** Reads and parses a JSON body; bad JSON becomes a 400 the way vLLM reports validation errors. */
export function readJson(req: IncomingMessage): Promise<unknown> {
  return readBody(
    req,
    MAX_BODY,
    () => new VllmError(413, 'BadRequestError', `Request body larger than ${MAX_BODY} bytes`),
  ).then((buf) => {
    const text = buf.toString('utf8');
    if (text.trim() === '')
      throw new VllmError(
        400,
        'Bad Request',
        "[{'type': 'missing', 'loc': ('body',), 'msg': 'Field required', 'input': None}]",
      );
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      const msg = e instanceof Error ? e.message : 'invalid JSON';
      throw new VllmError(
        400,
        'Bad Request',
        `[{'type': 'json_invalid', 'loc': ('body', 0), 'msg': 'JSON decode error', 'input': {}, 'ctx': {'error': '${msg.replace(/'/g, '"')}'}}]`,
      );
    }
  });
}
