import { AGENT_API as api } from '../../shared/agent-protocol/api.js';
import { route, type RouteDef } from '../../shared/node/route.js';
import { streamed } from './model-uploads.routes.js';
import type { PackageStore } from './packages.js';

/** Python packages and vLLM plugins shared with containers under `/packages`. */
export function packageRoutes(store: PackageStore): RouteDef[] {
  return [
    route(
      api.packageUpload,
      streamed(({ req }) => store.upload(req)),
    ),
    route(api.packages, () => store.list()),
    route(api.packageDelete, ({ params }) => store.remove(params.id)),
  ];
}
