import { AGENT_API as api } from '../../shared/agent-protocol/api.js';
import { route, type RouteDef } from '../../shared/node/route.js';
import type { HfCache } from './hf-cache.js';
import type { LocalModels } from './local-models.js';
import type { Transfers } from './url-pull.js';

/** HF cache, local-model listing/deletion and URL pulls. */
export function modelFileRoutes(hf: HfCache, local: LocalModels, transfers: Transfers): RouteDef[] {
  return [
    route(api.hfCache, () => hf.list()),
    route(api.hfCacheDelete, ({ params }) => hf.remove(params.name)),
    route(api.localModels, () => local.list()),
    route(api.transfers, () => transfers.list()),
    route(api.localModelDelete, ({ params }) => local.remove(params.name)),
    route(api.pull, ({ body }) => transfers.pull(body.url, body.name)),
  ];
}
