import { z } from 'zod';
import { sendText } from '../shared/node/http-errors.js';
import { route, type RouteDef } from '../shared/node/route.js';
import {
  ApiKeyCreatedSchema,
  ApiKeyCreateSchema,
  ApiKeyIdParams,
  ApiKeyReadSchema,
  ApiKeyUpdateSchema,
  UsageQuerySchema,
  UsageRowSchema,
} from '../shared/api-keys.js';
import type { ApiKeyService } from './api-key.service.js';

/** `/api/api-keys`, `/api/usage` and the Prometheus text at `/metrics`. */
export function apiKeysRoutes(keys: ApiKeyService, metrics: () => string): RouteDef[] {
  return [
    route(
      {
        method: 'post',
        path: '/api/api-keys',
        tag: 'API Keys',
        summary: 'Create an API key (permanent, or temporary with ttl_seconds and deployment_ids).',
        description:
          'The raw `key` is in this answer only; it is stored as a SHA-256 hash. The gateway requires a key once a permanent key exists.',
        body: ApiKeyCreateSchema,
        status: 201,
        response: ApiKeyCreatedSchema,
      },
      ({ body }) => keys.create(body),
    ),
    route(
      {
        method: 'get',
        path: '/api/api-keys',
        tag: 'API Keys',
        summary: 'List the active (non-expired) API keys, newest first, with budget use.',
        response: z.array(ApiKeyReadSchema),
      },
      () => keys.list(),
    ),
    route(
      {
        method: 'patch',
        path: '/api/api-keys/{key_id}',
        tag: 'API Keys',
        summary: "Update a permanent key's label, deployment scope or limits.",
        params: ApiKeyIdParams,
        body: ApiKeyUpdateSchema,
        response: ApiKeyReadSchema,
        errors: [404, 409],
      },
      ({ params, body }) => keys.update(params.key_id, body),
    ),
    route(
      {
        method: 'delete',
        path: '/api/api-keys/{key_id}',
        tag: 'API Keys',
        summary: 'Revoke and delete an API key.',
        params: ApiKeyIdParams,
        status: 204,
        errors: [404],
      },
      ({ params }) => keys.remove(params.key_id),
    ),
    route(
      {
        method: 'get',
        path: '/api/usage',
        tag: 'Usage',
        summary:
          'Tokens and requests through the gateway, grouped by owner, API key, deployment or model.',
        description: '`from` and `to` are ISO 8601 date-times; usage is counted per UTC hour.',
        query: UsageQuerySchema,
        response: z.array(UsageRowSchema),
      },
      ({ query }) => keys.report(query),
    ),
    route(
      {
        method: 'get',
        path: '/metrics',
        tag: 'Usage',
        summary: 'Prometheus metrics of the gateway and the loops (text exposition format).',
        raw: true,
        produces: 'text/plain',
      },
      ({ res }) => {
        sendText(res, 200, 'text/plain; version=0.0.4; charset=utf-8', metrics(), {
          'cache-control': 'no-cache',
        });
      },
    ),
  ];
}
