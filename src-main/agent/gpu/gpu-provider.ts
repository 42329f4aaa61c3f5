// The agent's view of its GPUs, whatever supplies it: nvidia-smi, a simulated inventory, or a
// unified-memory pseudo device.

/** Where a GPU's figures come from; `unified` means memory is the host's RAM. */
export type GpuSource = 'nvidia-smi' | 'simulated' | 'unified';

/** One GPU as the agent reports it in `/metrics`. Unknown figures are null, never 0. */
export interface Gpu {
  index: number;
  name: string;
  uuid: string;
  source: GpuSource;
  /** Percent, 0–100. */
  utilization: number | null;
  memory_used_mb: number | null;
  memory_total_mb: number | null;
}

/** One process holding memory on one GPU (a process on two GPUs appears twice). */
export interface GpuProcess {
  /** Host PID. */
  pid: number;
  gpu_uuid: string;
  used_memory_mb: number | null;
  process_name: string;
}

/** A source of GPU inventory and compute processes. Methods reject when the source fails. */
export interface GpuProvider {
  list(): Promise<Gpu[]>;
  computeApps(): Promise<GpuProcess[]>;
}

/** Host RAM figures in MB, used for unified-memory devices. */
export interface SystemMemory {
  total_mb: number;
  used_mb: number;
}
