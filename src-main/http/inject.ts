import inject from 'light-my-request';
import { IpcRequestSchema, type IpcResponse } from '../shared/ipc.js';
import type { RequestHandler } from './http-server.js';

/**
 * Answers one bridge request by injecting it into the same dispatcher that serves the LAN, as a
 * loopback caller. A malformed request gets a 400 response, never an exception.
 */
export async function injectRequest(dispatch: RequestHandler, raw: unknown): Promise<IpcResponse> {
  const parsed = IpcRequestSchema.safeParse(raw);
  if (!parsed.success)
    return {
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: { detail: `Invalid bridge request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}` },
    };
  const req = parsed.data;
  const query = req.query ? Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, String(v)])) : undefined;
  const hasBody = req.body !== undefined && req.method !== 'GET';
  const res = await inject(dispatch, {
    method: req.method,
    url: req.path,
    ...(query ? { query } : {}),
    remoteAddress: '127.0.0.1',
    headers: hasBody ? { 'content-type': 'application/json' } : {},
    ...(hasBody ? { payload: JSON.stringify(req.body) } : {}),
  });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
  const type = headers['content-type'] ?? '';
  let body: unknown = res.payload;
  if (type.includes('application/json') && res.payload.length > 0) body = JSON.parse(res.payload);
  else if (res.statusCode === 204) body = null;
  return { status: res.statusCode, headers, body };
}
