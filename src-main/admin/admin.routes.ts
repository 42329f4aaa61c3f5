import { route, type RouteDef } from '../shared/node/route.js';
import { PurgeRequestSchema, PurgeResultSchema } from '../shared/admin.js';
import type { PurgeService } from './purge.service.js';

export function adminRoutes(purge: PurgeService): RouteDef[] {
  return [
    route(
      {
        method: 'post',
        path: '/api/admin/purge',
        tag: 'Admin',
        summary: 'Delete database records by category; running containers are untouched.',
        description:
          'Omit `targets` (or send []) for all. Purging nodes also purges deployments and metrics.',
        body: PurgeRequestSchema,
        response: PurgeResultSchema,
        errors: [400],
      },
      ({ body }) => purge.purge(body?.targets),
    ),
  ];
}
