/** One GPU as `/info` and `/metrics` report it (behaviour.md §4.1). */
export interface GpuReading {
  index: number;
  name: string;
  /** Where the figures come from: `nvml`, `nvidia-smi`, `unified`, `simulated`. */
  source: string;
  /** Percent, null when the tool cannot say. */
  utilization: number | null;
  memory_used_mb: number | null;
  memory_total_mb: number | null;
}

/** The node's GPUs (real via nvidia-smi, or simulated). Adapted in main.ts from src-main/agent/gpu/. */
export interface GpuSource {
  list(): Promise<GpuReading[]>;
}

/** The container runtimes usable right now (probed, cached by the implementation). */
export interface RuntimeSource {
  available(): Promise<string[]>;
}
