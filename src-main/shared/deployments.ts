// The control plane's deployment API (seed "Deployments"; behaviour.md §2, §3, §6.5).
import { z } from 'zod';
import { LoraModuleSchema, launchFields } from './agent-protocol/deployments.js';
import { DEPLOYMENT_STATUSES } from './deployment-status.js';

export const DeploymentStatusSchema = z.enum(DEPLOYMENT_STATUSES);

/** Serve durations are capped at 30 days; `null` serves until stopped. */
const duration = z
  .number()
  .int('duration_seconds must be a whole number of seconds')
  .positive('duration_seconds must be positive')
  .max(30 * 86400, 'duration_seconds must be at most 30 days (2592000)')
  .nullable()
  .optional();

const owner = z
  .string()
  .trim()
  .min(1, 'owner must not be empty (who launches this deployment)')
  .max(128);

/** `POST /api/deployments/start` (and `POST /` for a record only): DeploymentStart. */
export const DeploymentStartSchema = z
  .object({
    node_id: z.number().int().positive(),
    ...launchFields,
    owner,
    duration_seconds: duration,
    /** `docker` or `podman`; normally resolved from the node and the settings. */
    container_runtime: z.enum(['docker', 'podman', 'process']).nullable().optional(),
  })
  .strict()
  .meta({ id: 'DeploymentStart' });
export type DeploymentStart = z.infer<typeof DeploymentStartSchema>;

/** Pause tiers: `ram` (sleep level 1, weights in host RAM) and `disk` (level 2, weights dropped). */
export const PauseTierSchema = z.enum(['ram', 'disk']);
export type PauseTier = z.infer<typeof PauseTierSchema>;

/** One deployment as the API shows it (DeploymentRead); env var values never appear. */
export const DeploymentReadSchema = z
  .object({
    id: z.number().int(),
    node_id: z.number().int(),
    node_hostname: z.string().nullable(),
    model_name: z.string(),
    /** What clients address at the gateway: `engine_args.served_model_name`, else the model. */
    served_model_name: z.string(),
    port: z.number().int(),
    gpu_memory_fraction: z.number(),
    gpu_ids: z.array(z.number().int()).nullable(),
    tensor_parallel_size: z.number().int().nullable(),
    extra_args: z.array(z.string()),
    /** Keys only: values are write-only. */
    env_vars: z.array(z.object({ key: z.string() })),
    vllm_version: z.string().nullable(),
    extra_packages: z.array(z.string()),
    engine_args: z.record(z.string(), z.unknown()),
    lora_modules: z.array(LoraModuleSchema),
    max_failed_restarts: z.number().int().nullable(),
    owner: z.string().nullable(),
    duration_seconds: z.number().int().nullable(),
    pinned: z.boolean(),
    container_runtime: z.string().nullable(),
    warm: z.boolean(),
    status: DeploymentStatusSchema,
    /** Load phase while starting/loading (downloading / loading_weights / compiling, or a launch step). */
    detail: z.string().nullable(),
    last_error: z.string().nullable(),
    error_code: z.string().nullable(),
    pause_tier: PauseTierSchema.nullable(),
    expires_at: z.string().nullable(),
    image_digest: z.string().nullable(),
    created_at: z.string(),
    status_changed_at: z.string().nullable(),
    total_prompt_tokens: z.number().int(),
    total_completion_tokens: z.number().int(),
    total_requests: z.number().int(),
    prompt_tps: z.number().nullable(),
    generation_tps: z.number().nullable(),
    prompt_throughput: z.number().nullable(),
    generation_throughput: z.number().nullable(),
    requests_running: z.number().int().nullable(),
    requests_waiting: z.number().int().nullable(),
    pull_percent: z.number().nullable(),
  })
  .meta({ id: 'DeploymentRead' });
export type DeploymentRead = z.infer<typeof DeploymentReadSchema>;

export const DeploymentIdParams = z.object({
  deployment_id: z.coerce.number().int().positive().describe('Deployment id'),
});

/** `POST /{id}/restart`. */
export const DeploymentRestartSchema = z
  .object({ owner, duration_seconds: duration })
  .strict()
  .meta({ id: 'DeploymentRestart' });

/** `POST /{id}/extend`: exactly one of `hours` (0 < h ≤ 336) or `infinite: true`. */
export const DeploymentExtendSchema = z
  .object({
    hours: z
      .number()
      .gt(0, 'hours must be > 0')
      .max(336, 'hours must be ≤ 336 (two weeks)')
      .optional(),
    infinite: z.literal(true).optional(),
  })
  .strict()
  .refine((b) => (b.hours !== undefined) !== (b.infinite !== undefined), {
    message: 'send exactly one of hours (0 < hours ≤ 336) or infinite: true',
  })
  .meta({ id: 'DeploymentExtend' });
export type DeploymentExtend = z.infer<typeof DeploymentExtendSchema>;

export const DeploymentPinSchema = z
  .object({ pinned: z.boolean() })
  .strict()
  .meta({ id: 'DeploymentPin' });

/**
 * `POST /{id}/pause`: `tier` ram (sleep level 1) or disk (level 2; also moves a RAM-paused model
 * to disk); omit for automatic: RAM while the node's RAM budget allows, else disk.
 */
export const DeploymentPauseSchema = z
  .object({ tier: PauseTierSchema.nullable().optional() })
  .strict()
  .optional()
  .meta({ id: 'DeploymentPause' });

/** `POST /plan`: which warm models a deploy would offload (read-only). */
export const DeploymentPlanRequestSchema = z
  .object({
    node_id: z.number().int().positive(),
    model_name: z.string().trim().min(1),
    port: z.number().int().min(1).max(65535),
    gpu_memory_fraction: z.number().gt(0).max(1),
    gpu_ids: z.array(z.number().int().min(0)).nullable().optional(),
  })
  .strict()
  .meta({ id: 'DeploymentPlanRequest' });

export const OffloadItemSchema = z.object({
  deployment_id: z.number().int().nullable(),
  model_name: z.string(),
  /** `ram` pauses (level 1), `disk` drops weights (level 2), `stop` stops a paused model. */
  tier: z.enum(['ram', 'disk', 'stop']),
});
export const DeploymentPlanReadSchema = z
  .object({
    fits: z.boolean(),
    warm_enabled: z.boolean(),
    would_offload: z.array(OffloadItemSchema),
    blocked_reason: z.string().nullable(),
  })
  .meta({ id: 'DeploymentPlanRead' });
export type DeploymentPlanRead = z.infer<typeof DeploymentPlanReadSchema>;

/** `GET /served-name/check?name&exclude_id`. */
export const ServedNameQuerySchema = z.object({
  name: z.string().trim().min(1, 'name must not be empty').max(256),
  exclude_id: z.coerce.number().int().positive().optional(),
});
export const ServedNameCheckSchema = z
  .object({
    available: z.boolean(),
    conflict_id: z.number().int().optional(),
    conflict_model: z.string().optional(),
    suggestion: z.string().optional(),
  })
  .meta({ id: 'ServedNameCheck' });

/** The reproducibility manifest (`GET /{id}/manifest`, behaviour.md §6.5); env var keys only. */
export const DeploymentManifestSchema = z
  .object({
    manifest_version: z.literal(1),
    deployment_id: z.number().int(),
    model: z.string(),
    served_model_name: z.string().nullable(),
    revision: z.string().nullable(),
    seed: z.number().nullable(),
    vllm_version: z.string().nullable(),
    image_digest: z.string().nullable(),
    container_runtime: z.string().nullable(),
    engine_args: z.record(z.string(), z.unknown()),
    extra_args: z.array(z.string()),
    extra_packages: z.array(z.string()),
    lora_modules: z.array(LoraModuleSchema),
    env_var_keys: z.array(z.string()),
    gpu: z.object({
      ids: z.array(z.number().int()).nullable(),
      memory_fraction: z.number(),
      tensor_parallel_size: z.number().int().nullable(),
      names: z.array(z.string()),
    }),
    node: z.object({ hostname: z.string() }).nullable(),
    owner: z.string().nullable(),
    created_at: z.string(),
    duration_seconds: z.number().int().nullable(),
    status: DeploymentStatusSchema,
  })
  .meta({ id: 'DeploymentManifest' });
export type DeploymentManifest = z.infer<typeof DeploymentManifestSchema>;

/** `POST /from-manifest`: the manifest pins the model; placement and env values come from here. */
export const FromManifestSchema = z
  .object({
    manifest: z.record(z.string(), z.unknown()),
    node_id: z.number().int().positive(),
    port: z.number().int().min(1).max(65535),
    owner,
    duration_seconds: duration,
    env_vars: launchFields.env_vars,
    gpu_ids: z.array(z.number().int().min(0)).nullable().optional(),
    skip_resource_check: z.boolean().optional().default(false),
  })
  .strict()
  .meta({ id: 'DeploymentFromManifest' });

export const LogsTailQuerySchema = z.object({
  tail: z.coerce.number().int('tail must be a whole number').min(1).max(2000).default(200),
});
export const DeploymentLogsSchema = z
  .object({ key: z.string(), lines: z.array(z.string()) })
  .meta({ id: 'DeploymentLogs' });

export const DeploymentDeletedSchema = z
  .object({ status: z.literal('deleted'), id: z.number().int() })
  .meta({ id: 'DeploymentDeleted' });
