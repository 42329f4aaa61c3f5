import { z } from 'zod';
import { agentRoute, type AgentRoute } from '../http/agent-route.js';
import { streamed } from './model-uploads.routes.js';
import type { PackageStore } from './packages.js';

const IdParam = z.object({ id: z.string() });

/** Python packages and vLLM plugins shared with containers under `/packages`. */
export function packageRoutes(store: PackageStore): AgentRoute[] {
  return [
    agentRoute({
      method: 'POST',
      path: '/packages/upload',
      summary: 'Upload a .whl, .py plugin or source archive (multipart field "file")',
      streamBody: true,
      handler: streamed(({ req }) => store.upload(req)),
    }),
    agentRoute({
      method: 'GET',
      path: '/packages',
      summary: 'Stored packages and plugins',
      handler: () => store.list(),
    }),
    agentRoute({
      method: 'DELETE',
      path: '/packages/:id',
      summary: 'Delete a stored package',
      params: IdParam,
      handler: ({ params }) => store.remove(params.id),
    }),
  ];
}
