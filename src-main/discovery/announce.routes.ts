import { ANNOUNCE_API } from '../shared/agent-protocol/announce.js';
import { route, type RouteDef } from '../shared/node/route.js';
import type { DiscoveryService } from './discovery.service.js';

/** `POST /api/agents/announce` (cluster token). */
export function announceRoutes(discovery: DiscoveryService): RouteDef[] {
  return [route(ANNOUNCE_API, ({ body }) => discovery.announce(body))];
}
