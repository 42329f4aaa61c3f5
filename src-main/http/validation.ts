import type { z } from 'zod';
import { AppError, type ValidationIssue } from '../errors/app-error.js';

type Where = 'body' | 'query' | 'path';

function issueType(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'missing' : `${issue.expected}_type`;
    case 'too_small':
      return issue.origin === 'string' || issue.origin === 'array' ? 'too_short' : 'greater_than_equal';
    case 'too_big':
      return issue.origin === 'string' || issue.origin === 'array' ? 'too_long' : 'less_than_equal';
    case 'invalid_value':
      return 'enum';
    case 'invalid_format':
      return 'string_pattern_mismatch';
    case 'unrecognized_keys':
      return 'extra_forbidden';
    case 'not_multiple_of':
      return 'multiple_of';
    case 'invalid_union':
      return 'union_tag_invalid';
    case 'invalid_key':
    case 'invalid_element':
    case 'custom':
      return 'value_error';
  }
}

/** Maps zod issues to FastAPI's `{loc, msg, type}` list, one entry per problem. */
export function toValidationIssues(where: Where, issues: readonly z.core.$ZodIssue[]): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) {
    const base = [where, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ loc: [...base, key], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' });
      continue;
    }
    const type = issueType(issue);
    out.push({ loc: base, msg: type === 'missing' ? 'Field required' : issue.message, type });
  }
  return out;
}

/** Parses `value` with `schema`, or throws a 422 AppError listing every problem at `where`. */
export function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, where: Where): T {
  if (!schema) return value as T;
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  throw new AppError('validation_failed', 422, toValidationIssues(where, r.error.issues));
}
