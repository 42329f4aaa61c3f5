import type { GpuReading } from '../../shared/agent-protocol/node.js';
/** The node's GPUs (real via nvidia-smi, or simulated). Adapted in main.ts from src-main/agent/gpu/. */
export interface GpuSource {
  list(): Promise<GpuReading[]>;
}

/** The container runtimes usable right now (probed, cached by the implementation). */
export interface RuntimeSource {
  available(): Promise<string[]>;
}
