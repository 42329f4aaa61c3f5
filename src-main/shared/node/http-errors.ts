import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { AppError, errnoCode, type ErrorCode } from '../errors.js';

/** The one place an error code becomes an HTTP status (both servers). */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  length_required: 411,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  too_many_requests: 429,
  internal: 500,
  bad_gateway: 502,
  unavailable: 503,
  gateway_timeout: 504,
  insufficient_storage: 507,
};

/** An error reply: status, FastAPI-shaped body, and the request id of an unexpected failure. */
export interface ErrorReply {
  status: number;
  body: Record<string, unknown>;
  /** Set for unexpected errors: the caller logs the error with it; the client sees only the id. */
  requestId?: string;
  /** Set for failures the operator must hear of although they are no bug (a full disk): log this. */
  log?: string;
}

/** Errno codes that mean the server's disk (or the user's quota) is full. */
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

/** The detail of a request that failed because the disk filled up while it was written. */
export const DISK_FULL_DETAIL =
  'Not enough disk space: the disk filled up while this request was written (ENOSPC). Nothing from it was kept; free space on the node and try again.';

/** True when `err` is a system error saying the disk or quota is full. */
export function isDiskFull(err: unknown): boolean {
  return DISK_FULL.has(errnoCode(err) ?? '');
}

/**
 * An error whose status was decided elsewhere and is passed on unchanged (the control plane
 * relaying an agent's answer). Domain code uses `AppError`.
 */
export class RelayedError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown> & { detail: unknown },
  ) {
    super(typeof body.detail === 'string' ? body.detail : `HTTP ${status}`);
    this.name = 'RelayedError';
  }
}

/**
 * Maps anything thrown by a handler to its reply: an AppError by its code, a full disk to 507, an
 * over-long name to 400; anything else is a 500 with a request id.
 */
export function errorReply(err: unknown, internalDetail = 'Internal Server Error'): ErrorReply {
  if (err instanceof AppError)
    return { status: ERROR_STATUS[err.code], body: { ...err.extra, detail: err.detail } };
  if (err instanceof RelayedError) return { status: err.status, body: err.body };
  // System errors name host paths in their messages: these details are written here instead.
  if (isDiskFull(err))
    return {
      status: ERROR_STATUS.insufficient_storage,
      body: { detail: DISK_FULL_DETAIL },
      log: 'request failed: the disk is full',
    };
  if (errnoCode(err) === 'ENAMETOOLONG')
    return {
      status: ERROR_STATUS.bad_request,
      body: { detail: 'A name in the request is longer than the filesystem allows.' },
    };
  const requestId = randomUUID();
  return { status: 500, body: { detail: internalDetail, request_id: requestId }, requestId };
}

/** Sends `body` as JSON with `status`. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Sends a text body (HTML, JavaScript, plain text) with its content type. */
export function sendText(
  res: ServerResponse,
  status: number,
  contentType: string,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
