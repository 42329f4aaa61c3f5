// What an agent says about its node: the announce body, `/info`, `/metrics` and port checks.
import { z } from 'zod';

const mb = z.number().nonnegative();

/** One GPU as `/info` and `/metrics` report it (behaviour.md §4.1); unknown figures are null. */
export const GpuReadingSchema = z.object({
  index: z.number().int().nonnegative(),
  name: z.string(),
  /** Where the figures come from: `nvidia-smi`, `simulated` or `unified` (host RAM). */
  source: z.string(),
  /** Percent, 0–100. */
  utilization: z.number().nullable(),
  memory_used_mb: mb.nullable(),
  memory_total_mb: mb.nullable(),
});
export type GpuReading = z.infer<typeof GpuReadingSchema>;

/** The filesystem holding the HF cache, in GB (10^9 bytes). */
export const DiskUsageSchema = z.object({
  total_gb: z.number().nonnegative(),
  free_gb: z.number().nonnegative(),
  hf_cache_gb: z.number().nonnegative(),
});
export type DiskUsage = z.infer<typeof DiskUsageSchema>;

/** Container runtimes a node can use. */
export const RuntimeNameSchema = z.enum(['docker', 'podman', 'process']);
export type RuntimeName = z.infer<typeof RuntimeNameSchema>;

/** `GET /info`: what this node is. */
export const NodeInfoSchema = z.object({
  hostname: z.string(),
  node_name: z.string(),
  agent_version: z.string(),
  gpus: z.array(GpuReadingSchema),
  runtimes: z.array(z.string()),
  disk: DiskUsageSchema,
});
export type NodeInfo = z.infer<typeof NodeInfoSchema>;

/** A stored package as `/metrics` names it. */
export const PackageRefSchema = z.object({
  package_id: z.string(),
  filename: z.string(),
  type: z.enum(['plugin', 'package']),
});

export type PackageRef = z.infer<typeof PackageRefSchema>;

/** `GET /metrics`: the node's current load. */
export const NodeMetricsSchema = z.object({
  cpu_percent: z.number(),
  memory_percent: z.number(),
  gpus: z.array(GpuReadingSchema),
  disk: DiskUsageSchema,
  available_runtimes: z.array(z.string()),
  agent_version: z.string(),
  /** Host RAM held by paused (sleep level 1) deployments, MB. */
  ram_cache_used_mb: z.number().nonnegative(),
  /** The packages and plugins stored on the node. */
  packages: z.array(PackageRefSchema),
});
export type NodeMetrics = z.infer<typeof NodeMetricsSchema>;

/** What an agent tells the control plane about itself (`POST /api/agents/announce`). */
export const AnnounceBodySchema = z.object({
  node_name: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'node_name may hold letters, digits, ".", "_" and "-"'),
  advertise_host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
  agent_version: z.string().max(64),
  gpus: z.array(GpuReadingSchema).max(64),
  runtimes: z.array(z.string().max(32)).max(8),
});
export type AnnounceBody = z.infer<typeof AnnounceBodySchema>;

/** `GET /ports/check?port=`. */
export const PortQuerySchema = z.object({
  port: z
    .string()
    .regex(/^\d+$/, 'port must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1, 'port must be 1–65535').max(65535, 'port must be 1–65535')),
});
export const PortCheckSchema = z.object({ available: z.boolean() });

/** `GET /health`. */
export const AgentHealthSchema = z.object({ status: z.literal('ok') });
