import { z } from 'zod';
import type { DeploymentUsage } from '../../shared/usage-scrape.js';

const gpuIds = z.array(z.number().int().min(0)).nullable().optional();

/** Body of the agent's `POST /deployments/start` (the host's DeploymentStart plus launch policy). */
export const LaunchRequestSchema = z.object({
  model_name: z.string().trim().min(1, 'model_name must not be empty'),
  port: z.number().int().min(1).max(65535),
  gpu_memory_fraction: z
    .number()
    .gt(0, 'gpu_memory_fraction must be > 0')
    .max(1, 'gpu_memory_fraction must be ≤ 1'),
  gpu_ids: gpuIds,
  tensor_parallel_size: z.number().int().min(1).nullable().optional(),
  extra_args: z.array(z.string()).optional().default([]),
  env_vars: z
    .array(
      z.object({
        key: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env var keys look like NAME_1'),
        value: z.string(),
      }),
    )
    .optional()
    .default([]),
  vllm_version: z.string().nullable().optional(),
  extra_packages: z.array(z.string()).optional().default([]),
  engine_args: z.record(z.string(), z.unknown()).nullable().optional(),
  lora_modules: z
    .array(z.object({ name: z.string(), path: z.string() }))
    .nullable()
    .optional(),
  max_failed_restarts: z.number().int().min(0).max(100).nullable().optional(),
  owner: z.string().nullable().optional(),
  duration_seconds: z.number().int().positive().nullable().optional(),
  expires_at: z.string().nullable().optional(),
  container_runtime: z.enum(['docker', 'podman', 'process']).nullable().optional(),
  warm_offload: z.boolean().optional(),
  pinned: z.boolean().optional().default(false),
  skip_resource_check: z.boolean().optional().default(false),
});
export type LaunchRequest = z.infer<typeof LaunchRequestSchema>;

export const KeyBodySchema = z.object({
  key: z.string().min(1, 'key is required ("<model>:<port>")'),
});
export const PauseBodySchema = KeyBodySchema.extend({
  tier: z.enum(['ram', 'auto']).nullable().optional(),
});
export const PinBodySchema = KeyBodySchema.extend({ pinned: z.boolean() });
export const ExtendBodySchema = KeyBodySchema.extend({
  expires_at: z.string().datetime({ offset: true }).nullable().optional(),
  duration_seconds: z.number().int().positive().nullable().optional(),
});
export const PlanBodySchema = z.object({
  model_name: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  gpu_memory_fraction: z.number().gt(0).max(1),
  gpu_ids: gpuIds,
});
export type PlanBody = z.infer<typeof PlanBodySchema>;

/** Node policy pushed by the host on every sync tick (the host is the source of truth). */
export const NodePolicySchema = z.object({
  warm_offload_enabled: z.boolean().optional(),
  ram_cache_limit_mb: z
    .number()
    .int()
    .positive('ram_cache_limit_mb must be a positive integer or null')
    .nullable()
    .optional(),
  pins: z.array(z.string()).optional(),
  busy_guard_seconds: z.number().min(0).max(300).optional(),
});
export type NodePolicyUpdate = z.infer<typeof NodePolicySchema>;

export interface NodePolicy {
  warm_offload_enabled: boolean;
  ram_cache_limit_mb: number | null;
  busy_guard_seconds: number;
}

export type DeploymentStatus =
  | 'starting'
  | 'loading'
  | 'running'
  | 'offloading'
  | 'paused_ram'
  | 'waking'
  | 'stopping'
  | 'stopped'
  | 'error'
  | 'expired';

/** Statuses after which the engine no longer watches the deployment. */
export const FINISHED: ReadonlySet<DeploymentStatus> = new Set(['stopped', 'expired']);

export interface PullProgressWire {
  downloaded_mb: number;
  total_mb: number;
  percent: number;
}

/** What the `aerie.launch` label carries: everything to rebuild a deployment, env keys only. */
export interface LaunchManifest {
  version: 1;
  owner: string | null;
  duration_seconds: number | null;
  expires_at: string | null;
  extra_args: string[];
  env_var_keys: string[];
  engine_args: Record<string, unknown>;
  lora_modules: { name: string; path: string }[];
  extra_packages: string[];
  gpu_memory_fraction: number;
  gpu_ids: number[] | null;
  tensor_parallel_size: number | null;
  max_failed_restarts: number | null;
  container_runtime: string;
  warm: boolean;
  pinned: boolean;
  internal_port: number | null;
}

/** One deployment as `GET /deployments/status` reports it (§2.9); never holds env values. */
export interface StatusEntry {
  key: string;
  model_name: string;
  port: number;
  internal_port: number | null;
  gpu_memory_fraction: number;
  gpu_ids: number[] | null;
  tensor_parallel_size: number | null;
  vllm_version: string | null;
  image: string | null;
  image_digest: string | null;
  container_id: string | null;
  status: DeploymentStatus;
  phase: string | null;
  engine_args: Record<string, unknown>;
  lora_modules: { name: string; path: string }[];
  max_failed_restarts: number | null;
  desired_state: 'running' | 'stopped';
  launch_manifest: LaunchManifest;
  container_runtime: string;
  warm: boolean;
  pinned: boolean;
  pause_tier: 'ram' | null;
  paused_ram_mb: number;
  last_active_at: string | null;
  duration_seconds: number | null;
  expires_at: string | null;
  usage: DeploymentUsage | null;
  requests_running: number | null;
  error: string | null;
  error_code: string | null;
  exit_code: number | null;
  pull_progress: PullProgressWire | null;
}
