import { hostname } from 'node:os';
import { sampleCpuPercent } from './cpu-sampler.js';
import { DiskProbe } from './disk.js';
import { memoryPercent } from './memory.js';
import type { GpuSource, RuntimeSource } from './node-sources.js';
import type { NodeInfo, NodeMetrics, PackageRef } from '../../shared/agent-protocol/node.js';

export interface NodeProbeDeps {
  nodeName: string;
  agentVersion: string;
  hfCacheDir: string;
  gpus: GpuSource;
  runtimes: RuntimeSource;
  /** Host RAM held by paused deployments, MB (the deployment engine knows). */
  ramCacheUsedMb: () => number;
  /** The packages stored on the node. */
  packages: () => Promise<PackageRef[]>;
  /** CPU sample window; the default matches psutil's 0.1 s. */
  cpuWindowMs?: number;
}

/** Collects node facts and load for the info and metrics routes. */
export class NodeProbe {
  private readonly disk: DiskProbe;

  constructor(private readonly deps: NodeProbeDeps) {
    this.disk = new DiskProbe(deps.hfCacheDir);
  }

  async info(): Promise<NodeInfo> {
    const [gpus, runtimes, disk] = await Promise.all([
      this.deps.gpus.list(),
      this.deps.runtimes.available(),
      this.disk.usage(),
    ]);
    return {
      hostname: hostname(),
      node_name: this.deps.nodeName,
      agent_version: this.deps.agentVersion,
      gpus,
      runtimes,
      disk,
    };
  }

  async metrics(): Promise<NodeMetrics> {
    const [cpu, memory, gpus, disk, runtimes, packages] = await Promise.all([
      sampleCpuPercent(this.deps.cpuWindowMs),
      memoryPercent(),
      this.deps.gpus.list(),
      this.disk.usage(),
      this.deps.runtimes.available(),
      this.deps.packages(),
    ]);
    return {
      cpu_percent: cpu,
      memory_percent: memory,
      gpus,
      disk,
      available_runtimes: runtimes,
      agent_version: this.deps.agentVersion,
      ram_cache_used_mb: this.deps.ramCacheUsedMb(),
      packages,
    };
  }
}
