import { z } from 'zod';
import { route, type RouteDef } from '../http/route.js';
import {
  ConfigCreateSchema,
  ConfigIdParams,
  ConfigReadSchema,
  type ConfigCreate,
} from '../shared/configs.js';
import type { ConfigService } from './config.service.js';

export function configsRoutes(configs: ConfigService): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/configs',
      tag: 'Configs',
      summary: 'List all saved deployment configurations, newest first.',
      response: z.array(ConfigReadSchema),
      handler: () => configs.list(),
    }),
    route<undefined, undefined, ConfigCreate>({
      method: 'post',
      path: '/api/configs',
      tag: 'Configs',
      summary: 'Save a deployment configuration for later reuse.',
      body: ConfigCreateSchema,
      status: 201,
      response: ConfigReadSchema,
      errors: [409],
      handler: ({ body }) => configs.create(body),
    }),
    route<z.infer<typeof ConfigIdParams>>({
      method: 'delete',
      path: '/api/configs/{config_id}',
      tag: 'Configs',
      summary: 'Delete a saved configuration.',
      params: ConfigIdParams,
      status: 204,
      errors: [404],
      handler: ({ params }) => configs.remove(params.config_id),
    }),
  ];
}
