// The agent's deployment protocol: launch, status entries, warm cache, node policy and logs.
import { z } from 'zod';
import { AGENT_STATUSES } from '../deployment-status.js';
import { argField, holdsNul, INPUT_LIMITS, listField, textField } from './limits.js';
import { RuntimeNameSchema } from './node.js';

const port = z.number().int().min(1).max(65535);
const gpuIds = z.array(z.number().int().min(0)).nullable().optional();
const key = textField(INPUT_LIMITS.key).min(1, 'key is required ("<model>:<port>")');
const modelName = textField(INPUT_LIMITS.modelName).trim().min(1, 'model_name must not be empty');

/** A LoRA adapter served next to the base model. */
export const LoraModuleSchema = z.object({
  name: textField(),
  path: textField(INPUT_LIMITS.path),
});
export type LoraModule = z.infer<typeof LoraModuleSchema>;

/** An environment variable for the container; the value is write-only. */
export const EnvVarSchema = z.object({
  key: z
    .string()
    .max(INPUT_LIMITS.name, `env var keys must be at most ${INPUT_LIMITS.name} characters`)
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env var keys look like NAME_1'),
  value: argField(),
});

/**
 * The launch fields a deployment is made of, shared by the agent's launch request and the control
 * plane's DeploymentStart (which adds the node and requires an owner).
 */
export const launchFields = {
  model_name: modelName,
  port,
  gpu_memory_fraction: z
    .number()
    .gt(0, 'gpu_memory_fraction must be > 0')
    .max(1, 'gpu_memory_fraction must be ≤ 1'),
  gpu_ids: gpuIds,
  tensor_parallel_size: z.number().int().min(1).nullable().optional(),
  extra_args: listField(argField()).optional().default([]),
  env_vars: listField(EnvVarSchema).optional().default([]),
  vllm_version: textField(128).nullable().optional(),
  extra_packages: listField(textField(INPUT_LIMITS.path)).optional().default([]),
  engine_args: z
    .record(textField(), z.unknown())
    .refine((a) => !holdsNul(a), 'engine_args values must not contain a NUL character')
    .nullable()
    .optional(),
  lora_modules: listField(LoraModuleSchema).nullable().optional(),
  max_failed_restarts: z.number().int().min(0).max(100).nullable().optional(),
  duration_seconds: z.number().int().positive().nullable().optional(),
  pinned: z.boolean().optional().default(false),
  skip_resource_check: z.boolean().optional().default(false),
};

/** Body of `POST /deployments/start` (the control plane's DeploymentStart plus launch policy). */
export const LaunchRequestSchema = z.object({
  ...launchFields,
  owner: textField().nullable().optional(),
  expires_at: textField(64).nullable().optional(),
  container_runtime: RuntimeNameSchema.nullable().optional(),
  warm_offload: z.boolean().optional(),
});
export type LaunchRequest = z.infer<typeof LaunchRequestSchema>;

/**
 * Where a paused model's weights are: `ram` (vLLM sleep level 1, weights in host RAM) or `disk`
 * (level 2, weights dropped and reloaded from the model files on wake; no host RAM held).
 */
export const PauseTierSchema = z.enum(['ram', 'disk']);
export type AgentPauseTier = z.infer<typeof PauseTierSchema>;

/** A model the launch put to sleep, demoted to disk or stopped (to free RAM), to make room. */
export const OffloadedSchema = z.object({
  key: z.string(),
  model_name: z.string(),
  tier: PauseTierSchema,
  /**
   * `demoted`: the RAM budget was full, so the least recently used RAM-paused model went to disk;
   * `stopped`: the same, for a paused model that cannot sleep at level 2.
   */
  action: z.enum(['paused', 'demoted', 'stopped']),
});
export type Offloaded = z.infer<typeof OffloadedSchema>;

/** What a successful launch answers (behaviour.md §2.3). */
export const LaunchResultSchema = z.object({
  status: z.literal('started'),
  key: z.string(),
  vllm_version: z.string(),
  offloaded: z.array(OffloadedSchema),
});
export type LaunchResult = z.infer<typeof LaunchResultSchema>;

/** What the `aerie.launch` container label carries: everything to rebuild a deployment, env keys only. */
export const LaunchManifestSchema = z.object({
  version: z.literal(1),
  owner: z.string().nullable(),
  duration_seconds: z.number().nullable(),
  expires_at: z.string().nullable(),
  extra_args: z.array(z.string()),
  env_var_keys: z.array(z.string()),
  engine_args: z.record(z.string(), z.unknown()),
  lora_modules: z.array(LoraModuleSchema),
  extra_packages: z.array(z.string()),
  gpu_memory_fraction: z.number(),
  gpu_ids: z.array(z.number()).nullable(),
  tensor_parallel_size: z.number().nullable(),
  max_failed_restarts: z.number().nullable(),
  container_runtime: z.string(),
  warm: z.boolean(),
  pinned: z.boolean(),
  internal_port: z.number().nullable(),
});
export type LaunchManifest = z.infer<typeof LaunchManifestSchema>;

/** Token counters and live rates read from vLLM's `/metrics` (behaviour.md §5.5). */
export const DeploymentUsageSchema = z.object({
  prompt_tokens: z.number(),
  generation_tokens: z.number(),
  requests: z.number(),
  requests_running: z.number().optional(),
  requests_waiting: z.number().optional(),
  /** Average prefill speed per request since the warm-up request, tokens/s. */
  prompt_tps: z.number().optional(),
  /** Average decode speed per request since the warm-up request, tokens/s. */
  generation_tps: z.number().optional(),
  /** Engine-wide prompt tokens/s over the last scrape window. */
  prompt_throughput: z.number().optional(),
  generation_throughput: z.number().optional(),
});
export type DeploymentUsage = z.infer<typeof DeploymentUsageSchema>;

export const PullProgressSchema = z.object({
  downloaded_mb: z.number(),
  total_mb: z.number(),
  percent: z.number(),
});

export const AgentStatusSchema = z.enum(AGENT_STATUSES);

/** One deployment as `GET /deployments/status` reports it (behaviour.md §2.9); never env values. */
export const StatusEntrySchema = z.object({
  key: z.string(),
  model_name: z.string(),
  port,
  internal_port: z.number().int().nullable(),
  gpu_memory_fraction: z.number(),
  gpu_ids: z.array(z.number().int()).nullable(),
  tensor_parallel_size: z.number().int().nullable(),
  vllm_version: z.string().nullable(),
  image: z.string().nullable(),
  image_digest: z.string().nullable(),
  container_id: z.string().nullable(),
  status: AgentStatusSchema,
  /** Load phase (`downloading`, `loading_weights`, `compiling`, `ready`) or launch step. */
  phase: z.string().nullable(),
  engine_args: z.record(z.string(), z.unknown()),
  lora_modules: z.array(LoraModuleSchema),
  max_failed_restarts: z.number().int().nullable(),
  desired_state: z.enum(['running', 'stopped']),
  launch_manifest: LaunchManifestSchema,
  container_runtime: z.string(),
  warm: z.boolean(),
  pinned: z.boolean(),
  pause_tier: PauseTierSchema.nullable(),
  paused_ram_mb: z.number(),
  last_active_at: z.string().nullable(),
  duration_seconds: z.number().nullable(),
  expires_at: z.string().nullable(),
  usage: DeploymentUsageSchema.nullable(),
  requests_running: z.number().nullable(),
  error: z.string().nullable(),
  error_code: z.string().nullable(),
  exit_code: z.number().int().nullable(),
  /** Why the agent stopped it on its own (RAM budget, serve duration); null for a requested stop. */
  stop_reason: z.string().nullable(),
  pull_progress: PullProgressSchema.nullable(),
});
export type StatusEntry = z.infer<typeof StatusEntrySchema>;

export const StatusListSchema = z.object({ deployments: z.array(StatusEntrySchema) });

/** `GET /deployments/watch?since&wait`: a long poll for a change of the status entries. */
export const WatchQuerySchema = z.object({
  /** The version of the last answer; absent: answer at once. */
  since: z
    .string()
    .regex(/^\d{1,16}$/, 'since must be the version of an earlier answer (a whole number)')
    .transform(Number)
    .optional(),
  /** Seconds to hold the request when nothing changed (0–30, default 0). */
  wait: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'wait must be a number of seconds')
    .transform(Number)
    .refine((w) => w <= 30, 'wait must be at most 30 seconds')
    .optional(),
});
export const WatchReplySchema = z.object({
  /** Pass it as `since` next time. */
  version: z.number().int(),
  /** False when `wait` ran out with nothing new. */
  changed: z.boolean(),
  deployments: z.array(StatusEntrySchema),
});
export const RunningKeysSchema = z.object({ running: z.array(z.string()) });

/** Bodies naming one deployment by its key `<model>:<port>`. */
export const KeyBodySchema = z.object({ key });
export const PauseBodySchema = KeyBodySchema.extend({
  /** `auto`: RAM while the budget allows, else disk. */
  tier: z.enum(['ram', 'disk', 'auto']).nullable().optional(),
});
export const PinBodySchema = KeyBodySchema.extend({ pinned: z.boolean() });
/**
 * `expires_at` sets the deadline (null: none); `duration_seconds` alone changes the serve duration,
 * which moves a running lease's deadline by the difference or, before readiness, sets the lease
 * that starts then. A body with neither would say nothing.
 */
export const ExtendBodySchema = KeyBodySchema.extend({
  expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
  duration_seconds: z.number().int().positive().nullable().optional(),
}).refine((b) => b.expires_at !== undefined || b.duration_seconds !== undefined, {
  message: 'send expires_at (null for no deadline) or duration_seconds',
  path: ['expires_at'],
});
export type ExtendBody = z.infer<typeof ExtendBodySchema>;

export const StopReplySchema = z.object({ status: z.literal('stopping'), key: z.string() });
export const PauseReplySchema = z.object({
  status: z.enum(['paused', 'skipped']),
  key: z.string(),
  tier: PauseTierSchema.nullable(),
});
export const ResumeReplySchema = z.object({ status: z.literal('running'), key: z.string() });
export const PinReplySchema = z.object({
  status: z.literal('ok'),
  key: z.string(),
  pinned: z.boolean(),
});
export const ExtendReplySchema = z.object({
  status: z.literal('ok'),
  key: z.string(),
  expires_at: z.string().nullable(),
});

/** `POST /deployments/plan`: which warm models a launch would offload. */
export const PlanRequestSchema = z.object({
  model_name: modelName,
  port,
  gpu_memory_fraction: z.number().gt(0).max(1),
  gpu_ids: gpuIds,
});

/** One step of a warm-cache plan. */
export const PlanItemSchema = z.object({
  key: z.string(),
  model_name: z.string(),
  /**
   * `pause` puts a running model to sleep (to RAM); `demote` moves a RAM-paused one to disk to free
   * its RAM; `stop` removes a paused one that cannot go to disk.
   */
  action: z.enum(['pause', 'demote', 'stop']),
  tier: PauseTierSchema,
});
export type PlanItem = z.infer<typeof PlanItemSchema>;

/** The planner's answer (read-only). */
export const WarmPlanSchema = z.object({
  fits: z.boolean(),
  /** In execution order: a `demote` or `stop` comes before the `pause` that needs its RAM. */
  plan: z.array(PlanItemSchema),
  over_gpus: z.array(z.number().int()),
  reason: z.string().nullable(),
});
export type WarmPlan = z.infer<typeof WarmPlanSchema>;

/** Node policy pushed by the control plane on every sync tick (the control plane is the source of truth). */
export const NodePolicyUpdateSchema = z.object({
  warm_offload_enabled: z.boolean().optional(),
  ram_cache_limit_mb: z
    .number()
    .int()
    .positive('ram_cache_limit_mb must be a positive integer or null')
    .nullable()
    .optional(),
  pins: listField(key, 4096).optional(),
  busy_guard_seconds: z.number().min(0).max(300).optional(),
});
export type NodePolicyUpdate = z.infer<typeof NodePolicyUpdateSchema>;

/** The node policy in force. */
export const NodePolicySchema = z.object({
  warm_offload_enabled: z.boolean(),
  ram_cache_limit_mb: z.number().nullable(),
  busy_guard_seconds: z.number(),
});
export type NodePolicy = z.infer<typeof NodePolicySchema>;
export const PolicyReplySchema = NodePolicySchema.extend({ status: z.literal('ok') });

/** `GET /deployments/logs?key&tail`. */
export const LogsQuerySchema = z.object({
  key,
  tail: z
    .string()
    .regex(/^-?\d+$/, 'tail must be a whole number')
    .transform(Number)
    .optional(),
});
export const LogsDownloadQuerySchema = z.object({ key });
export const LogsReplySchema = z.object({ key: z.string(), lines: z.array(z.string()) });
