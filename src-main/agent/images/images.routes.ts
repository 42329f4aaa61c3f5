import { AGENT_API as api } from '../../shared/agent-protocol/api.js';
import { route, type RouteDef } from '../../shared/node/route.js';
import type { ImageCache } from './image-cache.js';

/** The vLLM image cache routes (behaviour.md §4.6): list, delete by content, prune unused. */
export function imageRoutes(cache: ImageCache): RouteDef[] {
  return [
    route(api.images, () => cache.list()),
    route(api.imageDelete, ({ params }) => cache.remove(params.id)),
    route(api.imagePrune, () => cache.prune()),
  ];
}
