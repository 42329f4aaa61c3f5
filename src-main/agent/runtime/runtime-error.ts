import { AppError, type ErrorCode } from '../../shared/errors.js';

/**
 * A container-runtime failure: `not_found` (missing container or image), `conflict` (the runtime
 * cannot do what was asked), `bad_request` (misconfiguration), `internal` (engine failure). The
 * detail is safe to show.
 */
export class RuntimeError extends AppError {
  constructor(code: ErrorCode, detail: string) {
    super(code, detail);
    this.name = 'RuntimeError';
  }
}
