import type { z } from 'zod';

/** One FastAPI-style validation problem: where (`["body","port"]`), what is wrong, and its kind. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** Which part of a request an issue is about. */
export type InputPart = 'body' | 'query' | 'path';

function issueType(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'missing' : `${issue.expected}_type`;
    case 'too_small':
      return issue.origin === 'string' || issue.origin === 'array'
        ? 'too_short'
        : 'greater_than_equal';
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

/**
 * Maps zod issues (parsed with `reportInput: true`, so a missing field is told apart) to FastAPI's
 * `{loc, msg, type}` list, one entry per problem; the control plane and the agent both answer 422
 * with it.
 */
export function toValidationIssues(
  part: InputPart,
  issues: readonly z.core.$ZodIssue[],
): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) {
    const loc = [part, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({
          loc: [...loc, key],
          msg: 'Extra inputs are not permitted',
          type: 'extra_forbidden',
        });
      continue;
    }
    const type = issueType(issue);
    out.push({ loc, msg: type === 'missing' ? 'Field required' : issue.message, type });
  }
  return out;
}
