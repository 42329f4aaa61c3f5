import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src-main/shared/errors.js';
import { ERROR_STATUS } from '../../src-main/shared/node/http-errors.js';
import { validate } from '../../src-main/shared/node/route.js';

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect(ERROR_STATUS[(err as AppError).code]).toBe(422);
    return (err as AppError).detail as { loc: (string | number)[]; msg: string; type: string }[];
  }
  throw new Error('expected a validation error');
}

describe('FastAPI-style validation errors', () => {
  const schema = z
    .object({
      name: z.string().min(1),
      port: z.number().int().max(65535),
      mode: z.enum(['a', 'b']),
      tags: z.array(z.string()),
    })
    .strict();

  it('maps each zod issue to {loc, msg, type} with the location prefix', () => {
    const issues = issuesOf(() =>
      validate(schema, { port: 70000, mode: 'c', tags: [1], extra: 1, other: 2 }, 'body'),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        { loc: ['body', 'name'], msg: 'Field required', type: 'missing' },
        expect.objectContaining({ loc: ['body', 'port'], type: 'less_than_equal' }),
        expect.objectContaining({ loc: ['body', 'mode'], type: 'enum' }),
        expect.objectContaining({ loc: ['body', 'tags', 0], type: 'string_type' }),
        { loc: ['body', 'extra'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' },
        { loc: ['body', 'other'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' },
      ]),
    );
  });

  it('uses the query and path locations', () => {
    const issues = issuesOf(() =>
      validate(z.object({ id: z.coerce.number().int().positive() }), { id: 'abc' }, 'path'),
    );
    expect(issues[0]!.loc).toEqual(['path', 'id']);
  });

  it('returns the parsed value when valid', () => {
    expect(validate(z.object({ n: z.coerce.number() }), { n: '4' }, 'query')).toEqual({ n: 4 });
  });
});
