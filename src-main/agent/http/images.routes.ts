import { z } from 'zod';
import type { ImageCache } from '../images/image-cache.js';
import { agentRoute, type AgentRoute } from './agent-route.js';

const ImageIdParams = z.object({
  id: z
    .string()
    .regex(
      /^(sha256:)?[0-9a-fA-F]{12,64}$/,
      'id must be an image id: 12 to 64 hex characters, optionally prefixed by sha256:',
    ),
});

/** The vLLM image cache routes (behaviour.md §4.6): list, delete by content, prune unused. */
export function imageRoutes(cache: ImageCache): AgentRoute[] {
  return [
    agentRoute({
      method: 'GET',
      path: '/images',
      summary: 'vLLM images of every runtime, copies merged by content',
      handler: () => cache.list(),
    }),
    agentRoute({
      method: 'DELETE',
      path: '/images/:id',
      summary:
        'Remove a vLLM image from every store holding its content (only its vLLM tags if it has others)',
      params: ImageIdParams,
      handler: ({ params }) => cache.remove(params.id),
    }),
    agentRoute({
      method: 'POST',
      path: '/images/prune',
      summary: 'Remove vLLM and derived images no container uses',
      handler: () => cache.prune(),
    }),
  ];
}
