// Reproducibility manifests (behaviour.md §6.5): a deployment's model identity, engine and GPU
// shape, with env var keys only; a manifest plus a placement launches the same model again.
import { z } from 'zod';
import { LoraModuleSchema } from '../shared/agent-protocol/deployments.js';
import type { DeploymentManifest, DeploymentRead, DeploymentStart } from '../shared/deployments.js';
import { badRequest } from '../shared/errors.js';

/** The manifest of a deployment; `gpuNames` are the model names of its GPUs (node metrics). */
export function toManifest(d: DeploymentRead, gpuNames: string[]): DeploymentManifest {
  const revision = d.engine_args.revision;
  const seed = d.engine_args.seed;
  return {
    manifest_version: 1,
    deployment_id: d.id,
    model: d.model_name,
    served_model_name: d.served_model_name === d.model_name ? null : d.served_model_name,
    revision: typeof revision === 'string' ? revision : null,
    seed: typeof seed === 'number' ? seed : null,
    vllm_version: d.vllm_version,
    image_digest: d.image_digest,
    container_runtime: d.container_runtime,
    engine_args: d.engine_args,
    extra_args: d.extra_args,
    extra_packages: d.extra_packages,
    lora_modules: d.lora_modules,
    env_var_keys: d.env_vars.map((e) => e.key),
    gpu: {
      ids: d.gpu_ids,
      memory_fraction: d.gpu_memory_fraction,
      tensor_parallel_size: d.tensor_parallel_size,
      names: gpuNames,
    },
    node: d.node_hostname === null ? null : { hostname: d.node_hostname },
    owner: d.owner,
    created_at: d.created_at,
    duration_seconds: d.duration_seconds,
    status: d.status,
  };
}

/** What a launch takes from a manifest; everything else comes from the request. */
const ManifestInputSchema = z.object({
  manifest_version: z.literal(1, 'manifest_version must be 1'),
  model: z.string({ error: 'model is required' }).trim().min(1, 'model is required'),
  gpu: z.object(
    {
      ids: z.array(z.number().int().min(0)).nullable().optional(),
      memory_fraction: z.number({ error: 'gpu.memory_fraction must be a number' }).gt(0).max(1),
      tensor_parallel_size: z.number().int().min(1).nullable().optional(),
    },
    { error: 'gpu must be an object with memory_fraction' },
  ),
  vllm_version: z.string().nullable().optional(),
  engine_args: z.record(z.string(), z.unknown()).nullable().optional(),
  extra_args: z.array(z.string()).optional(),
  extra_packages: z.array(z.string()).optional(),
  lora_modules: z.array(LoraModuleSchema).optional(),
  env_var_keys: z.array(z.string()).optional(),
});

/**
 * A DeploymentStart from a manifest and a placement. 400 naming what is wrong with the manifest
 * (version, model, GPU fraction, a field of the wrong type) or a missing env value.
 */
export function startFromManifest(
  manifest: Record<string, unknown>,
  placement: Pick<
    DeploymentStart,
    'node_id' | 'port' | 'owner' | 'env_vars' | 'skip_resource_check'
  > & {
    duration_seconds?: number | null;
    gpu_ids?: number[] | null;
  },
): DeploymentStart {
  const r = ManifestInputSchema.safeParse(manifest);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first?.path.join('.') || 'manifest';
    throw badRequest(`The manifest is not usable: ${where}: ${first?.message ?? 'invalid'}.`);
  }
  const m = r.data;
  const given = new Set(placement.env_vars.map((e) => e.key));
  const missing = (m.env_var_keys ?? []).filter((k) => !given.has(k));
  if (missing.length > 0)
    throw badRequest(
      `Re-enter the values of the environment variable(s) the manifest names: ${missing.join(', ')} (values never travel in manifests).`,
    );
  return {
    node_id: placement.node_id,
    model_name: m.model,
    port: placement.port,
    gpu_memory_fraction: m.gpu.memory_fraction,
    gpu_ids: placement.gpu_ids !== undefined ? placement.gpu_ids : (m.gpu.ids ?? null),
    tensor_parallel_size: m.gpu.tensor_parallel_size ?? null,
    extra_args: m.extra_args ?? [],
    env_vars: placement.env_vars,
    vllm_version: m.vllm_version ?? null,
    extra_packages: m.extra_packages ?? [],
    engine_args: m.engine_args ?? {},
    lora_modules: m.lora_modules ?? [],
    max_failed_restarts: null,
    owner: placement.owner,
    duration_seconds: placement.duration_seconds ?? null,
    pinned: false,
    skip_resource_check: placement.skip_resource_check,
    container_runtime: null,
  };
}
