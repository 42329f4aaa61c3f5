import type { z } from 'zod';
import { AppEventSchema, type AppEvent } from '../../src-main/shared/events.js';
import { ApiHealthSchema, type ApiHealth } from '../../src-main/shared/health.js';
import type { IpcRequest } from '../../src-main/shared/ipc.js';
import type { ValidationIssue } from '../../src-main/shared/validation-issues.js';
import { SettingsSchema, type Settings } from '../../src-main/shared/settings.js';
import { HttpTransport } from './http-transport.js';
import { IpcTransport } from './ipc-transport.js';
import type { StreamStatus, Transport } from './transport.js';

/** A non-2xx answer, or a body that does not match the contract. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly detail: string,
    /** A 422's validation issues (FastAPI style), for inline form errors. */
    readonly issues: ValidationIssue[] = [],
  ) {
    super(`HTTP ${status}: ${detail}`);
  }
}

function issuesOf(body: unknown): ValidationIssue[] {
  if (!body || typeof body !== 'object' || !('detail' in body) || !Array.isArray(body.detail))
    return [];
  return body.detail.filter(
    (i: unknown): i is ValidationIssue =>
      !!i && typeof i === 'object' && 'loc' in i && Array.isArray(i.loc) && 'msg' in i,
  );
}

function detailOf(body: unknown): string {
  if (body && typeof body === 'object' && 'detail' in body) {
    const d = body.detail;
    if (typeof d === 'string') return d;
    if (Array.isArray(d))
      return d
        .map((i: unknown) =>
          i && typeof i === 'object' && 'msg' in i ? String(i.msg) : JSON.stringify(i),
        )
        .join('; ');
  }
  return typeof body === 'string' && body ? body : 'request failed';
}

/** The console's one API client; responses are checked against the shared zod schemas. */
export class ApiClient {
  constructor(readonly transport: Transport) {}

  private async call<S extends z.ZodType>(req: IpcRequest, schema: S): Promise<z.infer<S>> {
    const res = await this.transport.request(req);
    if (res.status < 200 || res.status >= 300)
      throw new ApiError(res.status, detailOf(res.body), issuesOf(res.body));
    const parsed = schema.safeParse(res.body);
    if (!parsed.success) throw new ApiError(res.status, `unexpected response from ${req.path}`);
    return parsed.data;
  }

  /** Any API call; the answer is checked against `schema` (z.unknown() for none). */
  send<S extends z.ZodType>(
    method: IpcRequest['method'],
    path: string,
    schema: S,
    opts: { body?: unknown; query?: IpcRequest['query'] } = {},
  ): Promise<z.infer<S>> {
    return this.call(
      {
        method,
        path,
        ...(opts.body !== undefined && { body: opts.body }),
        ...(opts.query && { query: opts.query }),
      },
      schema,
    );
  }

  health(): Promise<ApiHealth> {
    return this.call({ method: 'GET', path: '/api/health' }, ApiHealthSchema);
  }

  settings(): Promise<Settings> {
    return this.call({ method: 'GET', path: '/api/settings' }, SettingsSchema);
  }

  /** Subscribes to control-plane events; frames that are not a known event are ignored. */
  events(onEvent: (event: AppEvent) => void, onStatus: (status: StreamStatus) => void): () => void {
    return this.transport.subscribe((raw) => {
      const parsed = AppEventSchema.safeParse(raw);
      if (parsed.success) onEvent(parsed.data);
    }, onStatus);
  }
}

/** IPC inside the desktop app, HTTP + WebSocket to the serving origin in a browser. */
export function createApiClient(): ApiClient {
  return new ApiClient(window.aerie ? new IpcTransport(window.aerie) : new HttpTransport());
}
