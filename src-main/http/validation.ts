import type { z } from 'zod';
import { AppError } from '../errors/app-error.js';
import { toValidationIssues, type InputPart } from '../shared/validation-issues.js';

/** Parses `value` with `schema`, or throws a 422 AppError listing every problem at `where`. */
export function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, where: InputPart): T {
  if (!schema) return value as T;
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  throw new AppError('validation_failed', 422, toValidationIssues(where, r.error.issues));
}
