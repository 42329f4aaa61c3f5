import type { ValidationIssue } from './validation-issues.js';

export type { ValidationIssue };

/**
 * Stable error identities, shared by the control plane and the agent. Domain code throws
 * `AppError` with one of these; only the HTTP servers map a code to a status
 * (`shared/node/http-errors.ts`).
 */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'request_timeout'
  | 'length_required'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'validation_failed'
  | 'too_many_requests'
  | 'insufficient_storage'
  | 'bad_gateway'
  | 'unavailable'
  | 'gateway_timeout'
  | 'internal';

/**
 * An error whose `detail` is safe to show the client. `extra` adds fields next to `detail` in the
 * response body (e.g. the per-runtime `skipped` list of an image delete).
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string | ValidationIssue[],
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(typeof detail === 'string' ? detail : `${detail.length} validation problem(s)`);
    this.name = 'AppError';
  }
}

export const badRequest = (detail: string) => new AppError('bad_request', detail);
export const notFound = (detail: string) => new AppError('not_found', detail);
export const conflict = (detail: string) => new AppError('conflict', detail);
export const unavailable = (detail: string) => new AppError('unavailable', detail);
export const insufficientStorage = (detail: string) => new AppError('insufficient_storage', detail);
export const internalError = (detail: string) => new AppError('internal', detail);

/** The message of anything thrown (an Error's message, else its string form). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The errno code (`ENOENT`, `EADDRINUSE`…) of a Node system error, else undefined. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = err.code;
  return typeof code === 'string' ? code : undefined;
}
