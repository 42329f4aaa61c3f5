import type { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * The wire description of one HTTP operation: what a server validates and documents, and what a
 * client sends and parses. A server route is a contract plus a handler (`shared/node/route.ts`);
 * the agent's contracts are shared with the control plane's agent client, so nothing of the
 * protocol is written twice.
 */
export interface Contract {
  method: HttpMethod;
  /** OpenAPI braces: `/images/{id}`; a final `{name*}` takes the rest of the path, slashes included. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  params?: z.ZodType;
  query?: z.ZodType;
  /** JSON request body. */
  body?: z.ZodType;
  /** The handler reads the raw request body itself (uploads); documented with this content type. */
  streamBody?: string;
  /** Success status (default 200); 204 sends no body. */
  status?: number;
  /** Success body; omitted for 204 and for raw routes that document `produces`. */
  response?: z.ZodType;
  /** Content type of a raw success body (text/plain, text/html…). */
  produces?: string;
  /** Error statuses the operation can answer with, beyond 422 for invalid input. */
  errors?: readonly number[];
  /** Answered without credentials (health checks, documentation). */
  public?: boolean;
  /** Takes the cluster token instead of the server's usual credential (agents calling in). */
  credential?: 'cluster';
}

/** Declares a contract keeping its literal schema types (for typed handlers and clients). */
export function contract<const C extends Contract>(c: C): C {
  return c;
}

/** Validated path parameters of a contract. */
export type ParamsOf<C> = C extends { params: infer S extends z.ZodType } ? z.output<S> : undefined;
/** Validated query of a contract. */
export type QueryOf<C> = C extends { query: infer S extends z.ZodType } ? z.output<S> : undefined;
/** Validated JSON body of a contract. */
export type BodyOf<C> = C extends { body: infer S extends z.ZodType } ? z.output<S> : undefined;
/** Success body of a contract (what the handler returns and the client parses). */
export type ResponseOf<C> = C extends { response: infer S extends z.ZodType }
  ? z.output<S>
  : unknown;
/** What a client passes for each part (schema inputs, before transforms). */
export type ParamsIn<C> = C extends { params: infer S extends z.ZodType } ? z.input<S> : undefined;
export type QueryIn<C> = C extends { query: infer S extends z.ZodType } ? z.input<S> : undefined;
export type BodyIn<C> = C extends { body: infer S extends z.ZodType } ? z.input<S> : undefined;
