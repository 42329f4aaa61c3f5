import { route, type RouteDef } from '../http/route.js';
import { PurgeRequestSchema, PurgeResultSchema, type PurgeRequest } from '../shared/admin.js';
import type { PurgeService } from './purge.service.js';

export function adminRoutes(purge: PurgeService): RouteDef[] {
  return [
    route<undefined, undefined, PurgeRequest>({
      method: 'post',
      path: '/api/admin/purge',
      tag: 'Admin',
      summary: 'Delete database records by category; running containers are untouched.',
      description:
        'Omit `targets` (or send []) for all. Purging nodes also purges deployments and metrics.',
      body: PurgeRequestSchema,
      response: PurgeResultSchema,
      errors: [400],
      handler: ({ body }) => purge.purge(body?.targets),
    }),
  ];
}
