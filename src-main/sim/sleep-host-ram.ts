import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { SimContext } from './sim-context.js';

const MIB = 1024 * 1024;
// Chunks keep each allocation well under V8's typed-array size limit.
const CHUNK_MB = 64;
const held = new WeakMap<SimContext, Uint8Array[]>();

/**
 * What a level-1 sleep offloads to host RAM, in MiB: the weights of every tensor-parallel rank,
 * never more than the share of the GPUs the server was given (fraction × GPU size × ranks), which
 * they had to fit in to start. `AERIE_SIM_SLEEP_HOST_RAM_MB` overrides it. Pure.
 */
export function offloadedWeightsMb(
  override: number | null,
  weightsGibPerRank: number,
  gpuMemGib: number,
  fraction: number,
  ranks: number,
): number {
  if (override !== null) return override;
  return Math.round(Math.min(weightsGibPerRank, gpuMemGib * fraction) * ranks * 1024);
}

/**
 * Allocates and touches the offloaded weights' MiB of host RAM, as vLLM's level-1 sleep holds
 * them in host memory, so the process's RSS is what a real sleeper's would be.
 */
export function holdSleepHostRam(ctx: SimContext): void {
  const total = offloadedWeightsMb(
    ctx.options.sleepHostRamMb,
    ctx.weightsGib,
    ctx.options.gpuMemGib,
    ctx.args.gpuMemoryUtilization,
    ctx.args.tensorParallelSize,
  );
  if (total <= 0 || held.has(ctx)) return;
  const chunks: Uint8Array[] = [];
  for (let left = total; left > 0; left -= CHUNK_MB) {
    // A fresh typed array maps zero pages lazily; writing every byte makes the pages resident.
    chunks.push(new Uint8Array(Math.min(left, CHUNK_MB) * MIB).fill(0xa5));
  }
  held.set(ctx, chunks);
}

/** Releases the RAM held while asleep; the collection is forced so the RSS drops now, not at some later GC. */
export function releaseSleepHostRam(ctx: SimContext): void {
  if (!held.delete(ctx)) return;
  collectGarbage();
}

let gc: (() => void) | null = null;

function collectGarbage(): void {
  if (!gc) {
    // An idle simulator may not collect for a long time; `gc` is the only way to free on demand.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
