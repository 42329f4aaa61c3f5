import type { ServerResponse } from 'node:http';

/** The `type` of an OpenAI error envelope. */
export type OpenAiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'upstream_error'
  | 'service_unavailable';

/** A `/v1` error before it is sent: every one is answered in the OpenAI envelope. */
export interface GatewayError {
  status: number;
  code: string;
  type: OpenAiErrorType;
  message: string;
  /** Seconds, sent as `Retry-After` (429 and 503). */
  retryAfter?: number;
}

export const gatewayError = (
  status: number,
  code: string,
  type: OpenAiErrorType,
  message: string,
  retryAfter?: number,
): GatewayError => ({
  status,
  code,
  type,
  message,
  ...(retryAfter !== undefined && { retryAfter }),
});

/** The envelope's bytes: `{"error": {message, type, param: null, code}}`. */
export function errorBody(e: GatewayError): string {
  return JSON.stringify({ error: { message: e.message, type: e.type, param: null, code: e.code } });
}

/** Answers `res` with `e` (when nothing has been sent yet). */
export function sendGatewayError(res: ServerResponse, e: GatewayError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(e);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  };
  if (e.retryAfter !== undefined)
    headers['retry-after'] = String(Math.max(1, Math.ceil(e.retryAfter)));
  res.writeHead(e.status, headers);
  res.end(body);
}
