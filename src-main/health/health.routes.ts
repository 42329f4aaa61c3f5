import { route, type RouteDef } from '../shared/node/route.js';
import {
  ApiHealthSchema,
  HealthSchema,
  VllmVersionSchema,
  type LoopStatus,
} from '../shared/health.js';
import { AERIE_VERSION } from '../shared/version.js';
import type { VllmReleaseService } from './vllm-release.service.js';

export function healthRoutes(releases: VllmReleaseService, loops: () => LoopStatus[]): RouteDef[] {
  const latest = async () => ({ version: await releases.latest() });
  return [
    route(
      {
        method: 'get',
        path: '/health',
        tag: 'Health',
        summary: 'Control plane health check.',
        response: HealthSchema,
      },
      () => ({ status: 'ok' as const, version: AERIE_VERSION }),
    ),
    route(
      {
        method: 'get',
        path: '/api/health',
        tag: 'Health',
        summary: 'Health check with the status of every background loop.',
        response: ApiHealthSchema,
      },
      () => ({ status: 'ok' as const, version: AERIE_VERSION, loops: loops() }),
    ),
    route(
      {
        method: 'get',
        path: '/vllm-version',
        tag: 'Health',
        summary: 'Latest stable vLLM release tag (cached for 1 hour; "" if never fetched).',
        response: VllmVersionSchema,
      },
      latest,
    ),
    route(
      {
        method: 'get',
        path: '/api/vllm-version',
        tag: 'Health',
        summary: 'Same as /vllm-version, under /api.',
        response: VllmVersionSchema,
      },
      latest,
    ),
  ];
}
