import type { ValidationIssue } from '../shared/validation-issues.js';

export type { ValidationIssue };

/** Stable error identities; the HTTP layer maps them to `{"detail": ...}` responses. */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'validation_failed'
  | 'insufficient_storage'
  | 'bad_gateway'
  | 'unavailable'
  | 'internal';

/** An error with a status and a detail that is safe to show the client. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    readonly detail: string | ValidationIssue[],
  ) {
    super(typeof detail === 'string' ? detail : `${detail.length} validation problem(s)`);
    this.name = 'AppError';
  }
}

export const badRequest = (detail: string) => new AppError('bad_request', 400, detail);
export const notFound = (detail: string) => new AppError('not_found', 404, detail);
export const conflict = (detail: string) => new AppError('conflict', 409, detail);
export const validationFailed = (issues: ValidationIssue[]) =>
  new AppError('validation_failed', 422, issues);
