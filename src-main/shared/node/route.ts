import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { BodyOf, Contract, ParamsOf, QueryOf, ResponseOf } from '../http-contract.js';
import { toValidationIssues, type InputPart } from '../validation-issues.js';

/** What a handler receives: validated inputs plus the raw request for routes that stream. */
export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: IncomingMessage;
  res: ServerResponse;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * One route of either server: its contract (path, schemas, documentation) and its handler. The
 * control plane registers routes on Express, the agent on its own route table; both validate with
 * `validate`, map errors with `errorReply` and document with `buildOpenApi`.
 */
export interface RouteDef extends Contract {
  /** The handler writes the response itself (file streams, HTML pages). */
  raw?: boolean;
  handler(ctx: RouteContext<unknown, unknown, unknown>): unknown;
}

/** A handler typed from its contract's schemas; it returns the contract's response. */
export type Handler<C extends Contract> = (
  ctx: RouteContext<ParamsOf<C>, QueryOf<C>, BodyOf<C>>,
) => MaybePromise<C extends { raw: true } ? unknown : ResponseOf<C>>;

/**
 * A route: its contract (declared inline, or shared with a client as the agent's are) and a
 * handler typed from the contract's schemas. `raw: true` means the handler writes the response.
 */
export function route<const C extends Contract & { raw?: boolean }>(
  def: C,
  handler: Handler<C>,
): RouteDef {
  return { ...def, handler };
}

/**
 * Parses `value` with `schema`, or throws a `validation_failed` AppError listing every problem at
 * `where` (FastAPI's `{loc, msg, type}`; a present field of the wrong type is a type error, a
 * missing one "Field required").
 */
export function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, where: InputPart): T {
  if (!schema) return value as T;
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  throw new AppError('validation_failed', toValidationIssues(where, r.error.issues));
}

/** Validates the three inputs of a request, reporting the problems of all of them at once. */
export function validateInputs(
  def: Contract,
  raw: { params: unknown; query: unknown; body: unknown },
): { params: unknown; query: unknown; body: unknown } {
  const issues = [];
  const out: { params: unknown; query: unknown; body: unknown } = {
    params: undefined,
    query: undefined,
    body: undefined,
  };
  for (const [part, key, schema] of [
    ['path', 'params', def.params],
    ['query', 'query', def.query],
    ['body', 'body', def.streamBody === undefined ? def.body : undefined],
  ] as const) {
    try {
      out[key] = validate(schema, raw[key], part);
    } catch (err) {
      if (!(err instanceof AppError) || typeof err.detail === 'string') throw err;
      issues.push(...err.detail);
    }
  }
  if (issues.length > 0) throw new AppError('validation_failed', issues);
  return out;
}

/** `/api/x/{id}` → `/api/x/:id`, `/files/{path*}` → `/files/*path` (Express 5 syntax). */
export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\*\}/g, '*$1').replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}
