import { z } from 'zod';
import { route, type RouteDef } from '../shared/node/route.js';
import { ConfigCreateSchema, ConfigIdParams, ConfigReadSchema } from '../shared/configs.js';
import type { ConfigService } from './config.service.js';

export function configsRoutes(configs: ConfigService): RouteDef[] {
  return [
    route(
      {
        method: 'get',
        path: '/api/configs',
        tag: 'Configs',
        summary: 'List all saved deployment configurations, newest first.',
        response: z.array(ConfigReadSchema),
      },
      () => configs.list(),
    ),
    route(
      {
        method: 'post',
        path: '/api/configs',
        tag: 'Configs',
        summary: 'Save a deployment configuration for later reuse.',
        body: ConfigCreateSchema,
        status: 201,
        response: ConfigReadSchema,
        errors: [409],
      },
      ({ body }) => configs.create(body),
    ),
    route(
      {
        method: 'delete',
        path: '/api/configs/{config_id}',
        tag: 'Configs',
        summary: 'Delete a saved configuration.',
        params: ConfigIdParams,
        status: 204,
        errors: [404],
      },
      ({ params }) => configs.remove(params.config_id),
    ),
  ];
}
