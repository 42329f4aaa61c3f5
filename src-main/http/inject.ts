import inject from 'light-my-request';
import { IpcRequestSchema, type IpcResponse } from '../shared/ipc.js';
import type { RequestHandler } from './http-server.js';

// Express swaps the prototype of every response for its own, which would bypass light-my-request's
// capturing write/end (the body came back empty). Pinning them as own properties survives the swap.
const CAPTURED = ['writeHead', 'write', 'end', 'setTimeout', 'destroy', 'addTrailers'] as const;
const pinCapture =
  (dispatch: RequestHandler): RequestHandler =>
  (req, res) => {
    const proto = Object.getPrototypeOf(res) as Record<string, unknown>;
    for (const m of CAPTURED)
      Object.defineProperty(res, m, { value: proto[m], writable: true, configurable: true });
    dispatch(req, res);
  };

/**
 * Answers one bridge request by injecting it into the same dispatcher that serves the LAN, as a
 * loopback caller holding the admin token (the desktop UI is trusted whatever the trusted
 * networks are). A malformed request gets a 400 response, never an exception.
 */
export async function injectRequest(
  dispatch: RequestHandler,
  raw: unknown,
  adminToken?: string,
): Promise<IpcResponse> {
  const parsed = IpcRequestSchema.safeParse(raw);
  if (!parsed.success)
    return {
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: {
        detail: `Invalid bridge request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`,
      },
    };
  const req = parsed.data;
  const query = req.query
    ? Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, String(v)]))
    : undefined;
  const hasBody = req.body !== undefined && req.method !== 'GET';
  const reqHeaders: Record<string, string> = {};
  if (hasBody) reqHeaders['content-type'] = 'application/json';
  if (adminToken) reqHeaders.authorization = `Bearer ${adminToken}`;
  const res = await inject(pinCapture(dispatch), {
    method: req.method,
    url: req.path,
    ...(query ? { query } : {}),
    remoteAddress: '127.0.0.1',
    headers: reqHeaders,
    ...(hasBody ? { payload: JSON.stringify(req.body) } : {}),
  });
  return ipcResponse(res.statusCode, res.headers, res.payload);
}

/** A bridge response from an HTTP answer: headers flattened, a JSON body parsed. */
export function ipcResponse(
  status: number,
  raw: Record<string, string | string[] | number | undefined>,
  text: string,
): IpcResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
  const type = headers['content-type'] ?? '';
  let body: unknown = text;
  if (type.includes('application/json') && text.length > 0) body = JSON.parse(text);
  else if (status === 204) body = null;
  return { status, headers, body };
}
