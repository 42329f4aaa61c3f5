import type { DiskUsage, GpuReading, PackageRef } from '../shared/agent-protocol/node.js';
import type { NodeRead } from '../shared/nodes.js';
import { INITIAL_HEALTH, type HealthState } from './node-health.js';
import type { NodeRow } from './node.repository.js';

/** What the control plane knows of a node between ticks without storing it (rebuilt after a restart). */
export interface NodeLive {
  health: HealthState;
  cpu_percent: number | null;
  memory_percent: number | null;
  ram_cache_used_mb: number;
  rogue: { containers: number; processes: number; artifacts: number };
  packages: PackageRef[];
}

export const INITIAL_LIVE: NodeLive = {
  health: INITIAL_HEALTH,
  cpu_percent: null,
  memory_percent: null,
  ram_cache_used_mb: 0,
  rogue: { containers: 0, processes: 0, artifacts: 0 },
  packages: [],
};

const json = <T>(text: string | null, fallback: T): T => {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

/** The GPU indices a node reports. */
export function gpuIndexes(row: NodeRow): number[] {
  return json<GpuReading[]>(row.gpu_usage, []).map((g) => g.index);
}

export function maintenanceGpus(row: NodeRow): number[] {
  return json<number[]>(row.maintenance_gpus, []);
}

/** A stored node plus its live state as the API shows it (NodeRead). */
export function presentNode(row: NodeRow, live: NodeLive): NodeRead {
  const cordoned = maintenanceGpus(row);
  const gpus = json<GpuReading[]>(row.gpu_usage, []);
  const full =
    cordoned.length > 0 && (gpus.length === 0 || gpus.every((g) => cordoned.includes(g.index)));
  const runtime = row.container_runtime;
  return {
    id: row.id,
    hostname: row.hostname,
    ip_address: row.ip_address,
    port: row.port,
    status: live.health.status,
    status_reason: live.health.reason,
    gpu_usage: gpus,
    disk_usage: json<DiskUsage | null>(row.disk_usage, null),
    cpu_percent: live.cpu_percent,
    memory_percent: live.memory_percent,
    maintenance: full,
    partial_maintenance: cordoned.length > 0 && !full,
    maintenance_gpus: cordoned,
    warm_offload_enabled: row.warm_offload_enabled === 1,
    ram_cache_limit_mb: row.ram_cache_limit_mb,
    ram_cache_used_mb: live.ram_cache_used_mb,
    available_runtimes: json<string[]>(row.available_runtimes, []),
    container_runtime: runtime === 'docker' || runtime === 'podman' ? runtime : null,
    rogue_container_count: live.rogue.containers,
    rogue_process_count: live.rogue.processes,
    // Orphaned warm artifacts only matter on a warm node (behaviour.md §4.5).
    rogue_artifact_count: row.warm_offload_enabled === 1 ? live.rogue.artifacts : 0,
    packages: live.packages,
    agent_version: row.agent_version,
    last_heartbeat_at: row.last_heartbeat_at,
    created_at: row.created_at,
  };
}

/**
 * The part of a NodeRead a client shows as state (not the per-tick readings, which travel as
 * `node_metrics`): a change here is worth a `nodes_changed` event.
 */
export function visibleState(n: NodeRead): string {
  return JSON.stringify({
    ...n,
    gpu_usage: n.gpu_usage.map((g) => [g.index, g.name, g.source, g.memory_total_mb]),
    cpu_percent: undefined,
    memory_percent: undefined,
    last_heartbeat_at: undefined,
    // Free disk moves with every log line; a tenth of a GB is what the console shows.
    disk_usage: n.disk_usage && {
      total_gb: Math.round(n.disk_usage.total_gb * 10),
      free_gb: Math.round(n.disk_usage.free_gb * 10),
      hf_cache_gb: Math.round(n.disk_usage.hf_cache_gb * 10),
    },
    ram_cache_used_mb: Math.round(n.ram_cache_used_mb),
  });
}
