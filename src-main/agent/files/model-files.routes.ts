import { z } from 'zod';
import { agentRoute, type AgentRoute } from '../http/agent-route.js';
import type { HfCache } from './hf-cache.js';
import type { LocalModels } from './local-models.js';
import type { Transfers } from './url-pull.js';

const NameParam = z.object({ name: z.string() });
const PullBody = z.object({ url: z.string().max(4096), name: z.string().optional() });

/** HF cache, local-model listing/deletion and URL pulls. */
export function modelFileRoutes(
  hf: HfCache,
  local: LocalModels,
  transfers: Transfers,
): AgentRoute[] {
  return [
    agentRoute({
      method: 'GET',
      path: '/models/cache',
      summary: 'HuggingFace cache repos: size, last use, in use',
      handler: () => hf.list(),
    }),
    agentRoute({
      method: 'DELETE',
      path: '/models/cache/:name*',
      summary: "Delete a repo ('org/name') from the HuggingFace cache",
      params: NameParam,
      handler: ({ params }) => hf.remove(params.name),
    }),
    agentRoute({
      method: 'GET',
      path: '/local-models',
      summary: 'Managed models and those under --model-dirs',
      handler: () => local.list(),
    }),
    agentRoute({
      method: 'GET',
      path: '/local-models/transfers',
      summary: 'Running and recent URL pulls',
      handler: () => transfers.list(),
    }),
    agentRoute({
      method: 'DELETE',
      path: '/local-models/:name',
      summary: 'Delete a managed local model',
      params: NameParam,
      handler: ({ params }) => local.remove(params.name),
    }),
    agentRoute({
      method: 'POST',
      path: '/local-models/pull',
      summary: 'Download a model (file or archive) from an http(s) URL in the background',
      body: PullBody,
      status: 202,
      handler: ({ body }) => transfers.pull(body.url, body.name),
    }),
  ];
}
