// A simulated GPU inventory for `--simulate-gpus SPEC` (DESIGN.md §9). Memory and utilisation
// follow the simulator processes the agent runs, so warm-cache planning, the console's GPU bars
// and rogue detection behave as on real hardware.

import type { Gpu, GpuProcess, GpuProvider } from './gpu-provider.js';

/** MB a sleeping vLLM keeps on each of its GPUs (its CUDA context). */
export const SLEEP_RESIDUE_MB = 500;

export interface SimulatedGpuSpec {
  /** As written in the spec, e.g. `H100`. */
  model: string;
  memory_total_mb: number;
}

/** One simulator process as the GPU inventory sees it. */
export interface SimulatedLoad {
  pid: number;
  /** Null = every GPU. */
  gpu_ids: readonly number[] | null;
  /** `--gpu-memory-utilization`: the share of each of its GPUs it claims while awake. */
  fraction: number;
  sleeping: boolean;
  running_requests: number;
}

/** A `--simulate-gpus` value that does not follow `COUNTxNAME-MEMGB[,…]`. */
export class SimulateGpusSpecError extends Error {
  constructor(spec: string, problem: string) {
    super(
      `Invalid --simulate-gpus '${spec}': ${problem}. Expected COUNTxNAME-MEMGB[,…], e.g. 2xH100-80GB or 1xA100-40GB,1xL4-24GB.`,
    );
    this.name = 'SimulateGpusSpecError';
  }
}

const MAX_SIMULATED_GPUS = 64;

/** Parses `COUNTxNAME-MEMGB[,…]` into one entry per GPU. Throws SimulateGpusSpecError. */
export function parseSimulateGpusSpec(spec: string): SimulatedGpuSpec[] {
  const gpus: SimulatedGpuSpec[] = [];
  const parts = spec.split(',').map((p) => p.trim());
  if (spec.trim() === '') throw new SimulateGpusSpecError(spec, 'it is empty');
  for (const part of parts) {
    const m = /^(\d+)x(.+)-(\d+(?:\.\d+)?)GB$/i.exec(part);
    if (!m) throw new SimulateGpusSpecError(spec, `'${part}' is not COUNTxNAME-MEMGB`);
    const [, countText = '', model = '', memText = ''] = m;
    const count = Number(countText);
    const memGb = Number(memText);
    if (count < 1) throw new SimulateGpusSpecError(spec, `'${part}' has a count of 0`);
    if (memGb <= 0) throw new SimulateGpusSpecError(spec, `'${part}' has no memory`);
    if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/.test(model)) {
      throw new SimulateGpusSpecError(
        spec,
        `'${model}' is not a GPU name (letters, digits, '.', '_', '-')`,
      );
    }
    for (let i = 0; i < count; i++) gpus.push({ model, memory_total_mb: Math.round(memGb * 1024) });
    if (gpus.length > MAX_SIMULATED_GPUS) {
      throw new SimulateGpusSpecError(spec, `more than ${MAX_SIMULATED_GPUS} GPUs`);
    }
  }
  return gpus;
}

/** A stable UUID-shaped id per simulated GPU index. */
export function simulatedGpuUuid(index: number): string {
  return `GPU-5e1a7ed0-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

const loadGpus = (load: SimulatedLoad, count: number) =>
  (load.gpu_ids ?? Array.from({ length: count }, (_, i) => i)).filter((g) => g >= 0 && g < count);

const usedBy = (load: SimulatedLoad, totalMb: number) =>
  load.sleeping ? SLEEP_RESIDUE_MB : Math.round(Math.min(1, Math.max(0, load.fraction)) * totalMb);

/** Utilisation a load adds to each of its GPUs: none when idle, more with more requests. */
const busyPercent = (load: SimulatedLoad) =>
  load.sleeping || load.running_requests <= 0 ? 0 : Math.min(100, 30 + 10 * load.running_requests);

/**
 * A provider over a fixed simulated inventory whose usage follows `loads()`, called on every
 * query (the agent supplies it, e.g. from the simulator processes' state files).
 */
export function createSimulatedGpuProvider(
  specs: readonly SimulatedGpuSpec[],
  loads: () => readonly SimulatedLoad[] | Promise<readonly SimulatedLoad[]>,
): GpuProvider {
  return {
    async list(): Promise<Gpu[]> {
      const current = await loads();
      const used = specs.map(() => 0);
      const util = specs.map(() => 0);
      for (const load of current) {
        for (const g of loadGpus(load, specs.length)) {
          used[g] = (used[g] ?? 0) + usedBy(load, specs[g]?.memory_total_mb ?? 0);
          util[g] = (util[g] ?? 0) + busyPercent(load);
        }
      }
      return specs.map((s, index) => ({
        index,
        name: `NVIDIA ${s.model} ${Math.round(s.memory_total_mb / 1024)}GB`,
        uuid: simulatedGpuUuid(index),
        source: 'simulated',
        utilization: Math.min(100, util[index] ?? 0),
        memory_used_mb: Math.min(s.memory_total_mb, used[index] ?? 0),
        memory_total_mb: s.memory_total_mb,
      }));
    },
    async computeApps(): Promise<GpuProcess[]> {
      const apps: GpuProcess[] = [];
      for (const load of await loads()) {
        const gpus = loadGpus(load, specs.length);
        gpus.forEach((g, rank) => {
          apps.push({
            pid: load.pid,
            gpu_uuid: simulatedGpuUuid(g),
            used_memory_mb: usedBy(load, specs[g]?.memory_total_mb ?? 0),
            // vLLM V1 names its GPU processes this way (interfaces.md §5.2).
            process_name: gpus.length > 1 ? `VLLM::Worker_TP${rank}` : 'VLLM::EngineCore',
          });
        });
      }
      return apps;
    },
  };
}
