import { z } from 'zod';
import type { DiscoveryService } from '../discovery/discovery.service.js';
import { route, type RouteDef } from '../shared/node/route.js';
import {
  DiscoveredListSchema,
  NodeJoinSchema,
  MetricsHistoryQuerySchema,
  MetricsHistorySchema,
  NodeCreateSchema,
  NodeDeleteResultSchema,
  NodeIdParams,
  NodeMaintenanceSchema,
  NodeReadSchema,
  NodeRuntimeSchema,
  NodeWarmCacheSchema,
} from '../shared/nodes.js';
import type { MaintenanceService } from './maintenance.service.js';
import type { NodeService } from './node.service.js';

const tag = 'Nodes';

/** `/api/nodes`: list, register, delete, discovered, runtime, warm cache, maintenance, history. */
export function nodesRoutes(
  nodes: NodeService,
  maintenance: MaintenanceService,
  discovery: DiscoveryService,
  clusterToken: string,
): RouteDef[] {
  return [
    route(
      {
        method: 'get',
        path: '/api/nodes/join',
        tag,
        summary: 'The cluster token a new agent needs (for the console\'s "Add a GPU node").',
        description: 'Admin API like every /api route: trusted networks or the admin token.',
        response: NodeJoinSchema,
      },
      () => ({ cluster_token: clusterToken }),
    ),
    route(
      {
        method: 'get',
        path: '/api/nodes',
        tag,
        summary: 'List all registered nodes with GPU metrics, disk usage, and status.',
        response: z.array(NodeReadSchema),
      },
      () => nodes.list(),
    ),
    route(
      {
        method: 'post',
        path: '/api/nodes',
        tag,
        summary: 'Register a node by its agent address (the agent is asked who it is first).',
        description:
          'Calls the agent at `ip_address:port` (`GET /info`, with the cluster token) and registers it under its node name; an existing node of that name gets the new address.',
        body: NodeCreateSchema,
        status: 201,
        response: NodeReadSchema,
        errors: [502],
      },
      async ({ body }) => (await nodes.register(body)).node,
    ),
    route(
      {
        method: 'get',
        path: '/api/nodes/discovered',
        tag,
        summary: 'Agents that announced themselves (or are in Consul) but are not registered yet.',
        description: 'Only non-empty when the setting `auto_register_nodes` is false.',
        response: DiscoveredListSchema,
      },
      () => discovery.list(),
    ),
    route(
      {
        method: 'delete',
        path: '/api/nodes/{node_id}',
        tag,
        summary: 'Remove a node and its deployment and metric records; containers are untouched.',
        description: 'A live agent registers again when it next announces itself.',
        params: NodeIdParams,
        response: NodeDeleteResultSchema,
        errors: [404],
      },
      ({ params }) => nodes.remove(params.node_id),
    ),
    route(
      {
        method: 'post',
        path: '/api/nodes/{node_id}/runtime',
        tag,
        summary: "Set the node's container runtime override (docker / podman / null for auto).",
        params: NodeIdParams,
        body: NodeRuntimeSchema,
        response: NodeReadSchema,
        errors: [400, 404],
      },
      ({ params, body }) => nodes.setRuntime(params.node_id, body.runtime),
    ),
    route(
      {
        method: 'post',
        path: '/api/nodes/{node_id}/warm-cache',
        tag,
        summary: 'Enable/disable warm-cache auto-offload and set the RAM-cache budget.',
        params: NodeIdParams,
        body: NodeWarmCacheSchema,
        response: NodeReadSchema,
        errors: [400, 404],
      },
      ({ params, body }) => nodes.setWarmCache(params.node_id, body),
    ),
    route(
      {
        method: 'post',
        path: '/api/nodes/{node_id}/maintenance',
        tag,
        summary: 'Cordon/uncordon specific GPUs (or all); optionally drain affected deployments.',
        params: NodeIdParams,
        body: NodeMaintenanceSchema,
        response: NodeReadSchema,
        errors: [400, 404],
      },
      ({ params, body }) => maintenance.apply(params.node_id, body),
    ),
    route(
      {
        method: 'get',
        path: '/api/nodes/{node_id}/metrics/history',
        tag,
        summary: 'Metric samples of the last N minutes (clamped to 48 h), every step-th sample.',
        params: NodeIdParams,
        query: MetricsHistoryQuerySchema,
        response: MetricsHistorySchema,
        errors: [404],
      },
      ({ params, query }) => nodes.history(params.node_id, query.minutes, query.step),
    ),
  ];
}
