import { z } from 'zod';
import type { Contract } from '../http-contract.js';

type Json = Record<string, unknown>;

const HTTPError = z.object({ detail: z.string() });
const ValidationErrorBody = z.object({
  detail: z.array(
    z.object({
      loc: z.array(z.union([z.string(), z.number()])),
      msg: z.string(),
      type: z.string(),
    }),
  ),
});

const STATUS_TEXT: Record<number, string> = {
  200: 'Successful Response',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  411: 'Length Required',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Validation Error',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};

function schema(s: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out.$schema;
  return out;
}

function parameters(s: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!s) return [];
  const js = schema(s, 'input');
  const props = (js.properties ?? {}) as Record<string, Json>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: p,
    ...(typeof p.description === 'string' ? { description: p.description } : {}),
  }));
}

function operation(r: Contract): Json {
  const status = r.status ?? 200;
  const responses: Json = {};
  if (status === 204) responses['204'] = { description: STATUS_TEXT[204] };
  else if (r.response)
    responses[String(status)] = {
      description: STATUS_TEXT[status] ?? 'Success',
      content: { 'application/json': { schema: schema(r.response, 'output') } },
    };
  else
    responses[String(status)] = {
      description: STATUS_TEXT[status] ?? 'Success',
      content: { [r.produces ?? 'application/octet-stream']: { schema: { type: 'string' } } },
    };
  for (const code of r.errors ?? [])
    responses[String(code)] = {
      description: STATUS_TEXT[code] ?? 'Error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/HTTPError' } } },
    };
  if (r.params || r.query || r.body || r.streamBody)
    responses['422'] = {
      description: STATUS_TEXT[422],
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/HTTPValidationError' } },
      },
    };
  const op: Json = {
    tags: [r.tag],
    summary: r.summary,
    operationId: `${r.method}_${openApiPath(r.path)
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_|_$/g, '')}`,
    parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
    responses,
  };
  if (r.description) op.description = r.description;
  if (r.streamBody !== undefined)
    op.requestBody = {
      required: true,
      content: { [r.streamBody]: { schema: { type: 'string', format: 'binary' } } },
    };
  else if (r.body)
    op.requestBody = {
      required: !r.body.safeParse(undefined).success,
      content: { 'application/json': { schema: schema(r.body, 'input') } },
    };
  if (r.public) op.security = [];
  if (r.credential === 'cluster') op.security = [{ clusterToken: [] }];
  return op;
}

/**
 * OpenAPI resolves `#/…` against the whole document, so the `$defs` zod puts in each schema (named
 * schemas) move to `components.schemas` and their references follow; Swagger UI and ReDoc fail
 * on `#/$defs/…` otherwise.
 */
function hoistDefs(node: unknown, into: Json): unknown {
  if (Array.isArray(node)) return node.map((n) => hoistDefs(n, into));
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$defs')
      for (const [name, def] of Object.entries(v as Json)) into[name] = hoistDefs(def, into);
    else if (k === '$ref' && typeof v === 'string')
      out[k] = v.replace(/^#\/\$defs\//, '#/components/schemas/');
    else out[k] = hoistDefs(v, into);
  }
  return out;
}

/** `{name*}` (rest of the path) is written `{name}` in OpenAPI. */
export const openApiPath = (path: string) => path.replace(/\{([A-Za-z0-9_]+)\*\}/g, '{$1}');

/** Title, version and authentication of the document. */
export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
  /** The bearer credential's name in `securitySchemes` and what it is. */
  bearer: { name: string; description: string };
  /** True when a request may also be allowed without the credential (trusted networks). */
  anonymousAllowed: boolean;
}

/** Builds the OpenAPI 3.1 document from contracts or routes (the zod schemas are the source). */
export function buildOpenApi(contracts: readonly Contract[], info: OpenApiInfo): Json {
  const operations: Record<string, Json> = {};
  for (const r of contracts) (operations[openApiPath(r.path)] ??= {})[r.method] = operation(r);
  const named: Json = {};
  const paths = hoistDefs(operations, named);
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: info.description },
    paths,
    components: {
      schemas: {
        ...named,
        HTTPError: schema(HTTPError, 'output'),
        HTTPValidationError: schema(ValidationErrorBody, 'output'),
      },
      securitySchemes: {
        [info.bearer.name]: {
          type: 'http',
          scheme: 'bearer',
          description: info.bearer.description,
        },
        ...(contracts.some((c) => c.credential === 'cluster') && {
          clusterToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'The cluster token agents present.',
          },
        }),
      },
    },
    security: info.anonymousAllowed
      ? [{}, { [info.bearer.name]: [] }]
      : [{ [info.bearer.name]: [] }],
  };
}
