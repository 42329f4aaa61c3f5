import { AGENT_API as api } from '../../shared/agent-protocol/api.js';
import { sendJson } from '../../shared/node/http-errors.js';
import { route, type RouteDef } from '../../shared/node/route.js';
import type { NodeProbe } from './node-probe.js';
import { isPortAvailable } from './port-check.js';

/** `/health` and `/openapi.json` (public), `/info`, `/metrics` and `/ports/check`. */
export function systemRoutes(probe: NodeProbe, openApi: () => Record<string, unknown>): RouteDef[] {
  let spec: Record<string, unknown> | undefined;
  return [
    route(api.health, () => ({ status: 'ok' as const })),
    route({ ...api.openapi, raw: true }, ({ res }) => {
      spec ??= openApi();
      sendJson(res, 200, spec);
    }),
    route(api.info, () => probe.info()),
    route(api.metrics, () => probe.metrics()),
    route(api.portCheck, async ({ query }) => ({ available: await isPortAvailable(query.port) })),
  ];
}
