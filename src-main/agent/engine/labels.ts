import { z } from 'zod';
import { type LaunchManifest } from '../../shared/agent-protocol/deployments.js';

/** Label that marks every container the agent launched (adoption lists by it). */
export const MANAGED_LABEL = 'aerie.managed';

const ManifestSchema = z.object({
  version: z.literal(1),
  owner: z.string().nullable(),
  duration_seconds: z.number().nullable(),
  expires_at: z.string().nullable(),
  extra_args: z.array(z.string()),
  env_var_keys: z.array(z.string()),
  engine_args: z.record(z.string(), z.unknown()),
  lora_modules: z.array(z.object({ name: z.string(), path: z.string() })),
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

/** Container labels of a deployment. Only env keys travel in the manifest; values stay in state.json. */
export function deploymentLabels(
  key: string,
  port: number,
  version: string,
  runtime: string,
  manifest: LaunchManifest,
): Record<string, string> {
  return {
    [MANAGED_LABEL]: 'true',
    'aerie.key': key,
    'aerie.port': String(port),
    'aerie.version': version,
    'aerie.runtime': runtime,
    'aerie.launch': JSON.stringify(manifest),
  };
}

/** What adoption reads back from a managed container's labels. */
export interface ParsedLabels {
  key: string;
  port: number;
  version: string;
  manifest: LaunchManifest;
}

/** Parses the labels of a managed container; null when they are missing or malformed. */
export function parseDeploymentLabels(labels: Record<string, string>): ParsedLabels | null {
  const key = labels['aerie.key'];
  const port = Number(labels['aerie.port']);
  const raw = labels['aerie.launch'];
  if (labels[MANAGED_LABEL] !== 'true' || !key || !Number.isInteger(port) || raw === undefined)
    return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const m = ManifestSchema.safeParse(json);
  if (!m.success) return null;
  return { key, port, version: labels['aerie.version'] ?? '', manifest: m.data };
}

/** The model name part of a key `<model>:<port>`. */
export function modelOfKey(key: string): string {
  const i = key.lastIndexOf(':');
  return i > 0 ? key.slice(0, i) : key;
}
