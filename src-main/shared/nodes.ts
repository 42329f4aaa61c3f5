// The control plane's node API (seed "Nodes"; behaviour.md §4): wire schemas and types.
import { z } from 'zod';
import { DiskUsageSchema, GpuReadingSchema, PackageRefSchema } from './agent-protocol/node.js';
import { isHostAddress } from './net.js';

/** Node health as the seed names it; `status_reason` says why. */
export const NODE_STATUSES = ['online', 'degraded', 'critical', 'maintenance', 'unknown'] as const;
export const NodeStatusSchema = z.enum(NODE_STATUSES);
export type NodeStatus = z.infer<typeof NodeStatusSchema>;

/** One registered node with its latest readings (NodeRead). */
export const NodeReadSchema = z
  .object({
    id: z.number().int(),
    hostname: z.string(),
    ip_address: z.string(),
    port: z.number().int(),
    status: NodeStatusSchema,
    /** Why the node has its status ("3 failed polls", "no container runtime"); null when online. */
    status_reason: z.string().nullable(),
    gpu_usage: z.array(GpuReadingSchema),
    disk_usage: DiskUsageSchema.nullable(),
    cpu_percent: z.number().nullable(),
    memory_percent: z.number().nullable(),
    maintenance: z.boolean(),
    partial_maintenance: z.boolean(),
    maintenance_gpus: z.array(z.number().int()),
    warm_offload_enabled: z.boolean(),
    ram_cache_limit_mb: z.number().int().nullable(),
    ram_cache_used_mb: z.number(),
    available_runtimes: z.array(z.string()),
    container_runtime: z.enum(['docker', 'podman']).nullable(),
    rogue_container_count: z.number().int(),
    rogue_process_count: z.number().int(),
    rogue_artifact_count: z.number().int(),
    packages: z.array(PackageRefSchema),
    agent_version: z.string().nullable(),
    last_heartbeat_at: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'NodeRead' });
export type NodeRead = z.infer<typeof NodeReadSchema>;

const port = z.number().int().min(1).max(65535);
const host = z
  .string()
  .trim()
  .min(1, 'ip_address must not be empty')
  .max(253)
  .refine(
    isHostAddress,
    'ip_address must be an IPv4 or IPv6 address or a host name (letters, digits, dots and hyphens)',
  );

/** `POST /api/nodes`: register an agent by address (its `/info` names it). */
export const NodeCreateSchema = z
  .object({
    ip_address: host,
    port: port.default(9000),
  })
  .strict()
  .meta({ id: 'NodeCreate' });
export type NodeCreate = z.infer<typeof NodeCreateSchema>;

export const NodeIdParams = z.object({
  node_id: z.coerce.number().int().positive().describe('Node id'),
});

/** `POST /api/nodes/{id}/maintenance`: cordon or uncordon GPUs (empty = all); drain stops deployments. */
export const NodeMaintenanceSchema = z
  .object({
    gpu_ids: z.array(z.number().int().min(0)).max(64).default([]),
    enabled: z.boolean(),
    drain: z.boolean().default(false),
  })
  .strict()
  .meta({ id: 'NodeMaintenanceRequest' });
export type NodeMaintenance = z.infer<typeof NodeMaintenanceSchema>;

/** `POST /api/nodes/{id}/warm-cache`. */
export const NodeWarmCacheSchema = z
  .object({
    enabled: z.boolean(),
    ram_cache_limit_mb: z.number().int().nullable().optional(),
  })
  .strict()
  .meta({ id: 'NodeWarmCacheRequest' });
export type NodeWarmCache = z.infer<typeof NodeWarmCacheSchema>;

/** `POST /api/nodes/{id}/runtime`: `docker`, `podman`, or null for automatic. */
export const NodeRuntimeSchema = z
  .object({ runtime: z.string().nullable() })
  .strict()
  .meta({ id: 'NodeRuntimeRequest' });

/** `GET /api/nodes/{id}/metrics/history?minutes&step`. */
export const MetricsHistoryQuerySchema = z.object({
  minutes: z.coerce
    .number()
    .int('minutes must be a whole number')
    .default(60)
    .describe('How far back, clamped to 1–2880 (48 h)'),
  step: z.coerce
    .number()
    .int('step must be a whole number')
    .min(1, 'step must be at least 1')
    .default(1)
    .describe('Return every step-th sample'),
});

export const MetricsPointSchema = z.object({
  recorded_at: z.string(),
  gpus: z.array(GpuReadingSchema),
  cpu_percent: z.number().nullable(),
  memory_percent: z.number().nullable(),
});
export type MetricsPoint = z.infer<typeof MetricsPointSchema>;
export const MetricsHistorySchema = z
  .object({ node_id: z.number().int(), points: z.array(MetricsPointSchema) })
  .meta({ id: 'NodeMetricsHistory' });

/** An agent that announced itself or is in the Consul catalog but is not registered yet. */
export const DiscoveredNodeSchema = z.object({
  node: z.string(),
  address: z.string(),
  port: z.number().int(),
  service_id: z.string(),
  source: z.enum(['announce', 'consul']),
  agent_version: z.string().nullable(),
  last_seen_at: z.string(),
});
export type DiscoveredNode = z.infer<typeof DiscoveredNodeSchema>;
export const DiscoveredListSchema = z
  .object({ nodes: z.array(DiscoveredNodeSchema) })
  .meta({ id: 'DiscoveredNodes' });

export const NodeDeleteResultSchema = z
  .object({
    status: z.literal('deleted'),
    hostname: z.string(),
    deployments_deleted: z.number().int(),
  })
  .meta({ id: 'NodeDeleteResult' });

/** `GET /api/nodes/join`: what "Add a GPU node" needs to show the exact agent command. */
export const NodeJoinSchema = z.object({ cluster_token: z.string() }).meta({ id: 'NodeJoin' });
