import type { ServerResponse } from 'node:http';
import { sendJson } from '../shared/node/http-errors.js';

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

/** The OpenAI envelope: `{"error": {message, type, param: null, code}}`. */
const envelope = (e: GatewayError) => ({
  error: { message: e.message, type: e.type, param: null, code: e.code },
});

/** The envelope's bytes (an SSE error event carries them). */
export const errorBody = (e: GatewayError): string => JSON.stringify(envelope(e));

/** Answers `res` with `e` (when nothing has been sent yet). */
export function sendGatewayError(res: ServerResponse, e: GatewayError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const retry: Record<string, string> =
    e.retryAfter === undefined
      ? {}
      : { 'retry-after': String(Math.max(1, Math.ceil(e.retryAfter))) };
  sendJson(res, e.status, envelope(e), retry);
}
