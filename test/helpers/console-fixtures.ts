// Synthetic fleet rows for the console benchmark and the virtualized-table test: valid
// DeploymentRead / NodeRead objects, so the console's own parsing and store take them exactly as
// they take the server's.
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import { DEPLOYMENT_STATUSES } from '../../src-main/shared/deployment-status.js';
import type { NodeRead } from '../../src-main/shared/nodes.js';

export function syntheticNode(id: number): NodeRead {
  return {
    id,
    hostname: `gpu-${String(id).padStart(3, '0')}`,
    ip_address: `10.0.${Math.floor(id / 250)}.${id % 250}`,
    port: 9000,
    status: 'online',
    status_reason: null,
    gpu_usage: [0, 1, 2, 3].map((index) => ({
      index,
      name: 'H100-80GB',
      source: 'simulated',
      utilization: (id * 7 + index * 13) % 100,
      memory_used_mb: ((id + index) * 997) % 81920,
      memory_total_mb: 81920,
    })),
    disk_usage: { total_gb: 2000, free_gb: 800, hf_cache_gb: 300 },
    cpu_percent: (id * 3) % 100,
    memory_percent: (id * 5) % 100,
    maintenance: false,
    partial_maintenance: false,
    maintenance_gpus: [],
    warm_offload_enabled: true,
    ram_cache_limit_mb: null,
    ram_cache_used_mb: 0,
    available_runtimes: ['docker'],
    container_runtime: null,
    rogue_container_count: 0,
    rogue_process_count: 0,
    rogue_artifact_count: 0,
    packages: [],
    agent_version: '0.1.0',
    last_heartbeat_at: new Date().toISOString(),
    created_at: new Date().toISOString(),
  };
}

export function syntheticDeployment(id: number, nodes: number): DeploymentRead {
  const nodeId = (id % nodes) + 1;
  const status = DEPLOYMENT_STATUSES[id % DEPLOYMENT_STATUSES.length] ?? 'running';
  return {
    id,
    node_id: nodeId,
    node_hostname: `gpu-${String(nodeId).padStart(3, '0')}`,
    model_name: `org/model-${id % 37}`,
    served_model_name: `model-${id}`,
    port: 8000 + (id % 500),
    gpu_memory_fraction: 0.25,
    gpu_ids: [id % 4],
    tensor_parallel_size: null,
    extra_args: [],
    env_vars: [],
    vllm_version: null,
    extra_packages: [],
    engine_args: {},
    lora_modules: [],
    max_failed_restarts: null,
    owner: `owner-${id % 13}`,
    duration_seconds: 3600,
    pinned: false,
    container_runtime: 'docker',
    warm: true,
    status,
    detail: null,
    last_error: null,
    error_code: null,
    pause_tier: null,
    expires_at: new Date(Date.now() + (id % 48) * 3600_000).toISOString(),
    image_digest: null,
    created_at: new Date(Date.now() - id * 1000).toISOString(),
    status_changed_at: null,
    total_prompt_tokens: id * 1000,
    total_completion_tokens: id * 300,
    total_requests: id * 3,
    prompt_tps: null,
    generation_tps: status === 'running' ? 42.5 : null,
    prompt_throughput: null,
    generation_throughput: null,
    requests_running: null,
    requests_waiting: null,
    pull_percent: null,
  };
}
