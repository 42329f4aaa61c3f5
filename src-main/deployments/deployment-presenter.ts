import type { LoraModule } from '../shared/agent-protocol/deployments.js';
import { DEPLOYMENT_STATUSES, type DeploymentStatus } from '../shared/deployment-status.js';
import type { DeploymentRead } from '../shared/deployments.js';
import type { DeploymentRow } from './deployment.repository.js';
import { isRoutable } from './lifecycle.js';
import { servedName } from './served-names.js';

/** What the control plane knows of a deployment between ticks without storing it. */
export interface DeploymentLive {
  prompt_tps: number | null;
  generation_tps: number | null;
  prompt_throughput: number | null;
  generation_throughput: number | null;
  requests_running: number | null;
  requests_waiting: number | null;
  pull_percent: number | null;
}

export const NO_LIVE: DeploymentLive = {
  prompt_tps: null,
  generation_tps: null,
  prompt_throughput: null,
  generation_throughput: null,
  requests_running: null,
  requests_waiting: null,
  pull_percent: null,
};

const json = <T>(text: string | null, fallback: T): T => {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

export function statusOf(row: Pick<DeploymentRow, 'status'>): DeploymentStatus {
  return (DEPLOYMENT_STATUSES as readonly string[]).includes(row.status)
    ? (row.status as DeploymentStatus)
    : 'error';
}

export const engineArgsOf = (row: DeploymentRow) =>
  json<Record<string, unknown>>(row.engine_args, {});
export const loraOf = (row: DeploymentRow) => json<LoraModule[]>(row.lora_modules, []);
export const gpuIdsOf = (row: DeploymentRow) => json<number[] | null>(row.gpu_ids, null);
/** Stored env vars, values included: for the agent only, never for a response. */
export const envVarsOf = (row: DeploymentRow) =>
  json<{ key: string; value: string }[]>(row.env_vars, []);

/** A stored deployment with its live figures as the API shows it; env values never appear. */
export function presentDeployment(
  row: DeploymentRow,
  live: DeploymentLive,
  hostname: string | null,
): DeploymentRead {
  const status = statusOf(row);
  const engineArgs = engineArgsOf(row);
  // Live rates belong to a serving deployment; a stopped one keeps its last stored averages.
  const serving = isRoutable(status);
  return {
    id: row.id,
    node_id: row.node_id,
    node_hostname: hostname,
    model_name: row.model_name,
    served_model_name: servedName(row.model_name, engineArgs),
    port: row.port,
    gpu_memory_fraction: row.gpu_memory_fraction,
    gpu_ids: gpuIdsOf(row),
    tensor_parallel_size: row.tensor_parallel_size,
    extra_args: json<string[]>(row.extra_args, []),
    env_vars: envVarsOf(row).map((e) => ({ key: e.key })),
    vllm_version: row.vllm_version,
    extra_packages: json<string[]>(row.extra_packages, []),
    engine_args: engineArgs,
    lora_modules: loraOf(row),
    max_failed_restarts: row.max_failed_restarts,
    owner: row.owner,
    duration_seconds: row.duration_seconds,
    pinned: row.pinned === 1,
    container_runtime: row.container_runtime,
    warm: row.warm === 1,
    status,
    detail: row.detail,
    last_error: row.last_error,
    error_code: row.error_code,
    pause_tier: row.pause_tier,
    expires_at: row.expires_at,
    image_digest: row.image_digest,
    created_at: row.created_at,
    status_changed_at: row.status_changed_at,
    total_prompt_tokens: row.total_prompt_tokens,
    total_completion_tokens: row.total_completion_tokens,
    total_requests: row.total_requests,
    prompt_tps: serving ? (live.prompt_tps ?? row.prompt_tps) : row.prompt_tps,
    generation_tps: serving ? (live.generation_tps ?? row.generation_tps) : row.generation_tps,
    prompt_throughput: serving ? live.prompt_throughput : null,
    generation_throughput: serving ? live.generation_throughput : null,
    requests_running: serving ? live.requests_running : null,
    requests_waiting: serving ? live.requests_waiting : null,
    pull_percent: live.pull_percent,
  };
}

/**
 * The part of a DeploymentRead a client shows as state: a change here is worth a
 * `deployments_changed` event (usage totals and live rates alone are not, behaviour.md §2.15).
 */
export function visibleState(d: DeploymentRead): string {
  return JSON.stringify({
    ...d,
    total_prompt_tokens: undefined,
    total_completion_tokens: undefined,
    total_requests: undefined,
    prompt_tps: undefined,
    generation_tps: undefined,
    prompt_throughput: undefined,
    generation_throughput: undefined,
    requests_running: undefined,
    requests_waiting: undefined,
    pull_percent: d.pull_percent === null ? null : Math.floor(d.pull_percent),
  });
}
