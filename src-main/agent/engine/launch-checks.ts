import type { EngineGpu } from './engine-deps.js';

/** A deployment's claim on GPU memory, for the plain pre-check. */
export interface GpuClaim {
  gpu_ids: readonly number[] | null;
  fraction: number;
}

const EPS = 1e-6;
export const PLAIN_CHECK_ADVICE =
  'Lower the GPU memory fraction, choose different GPUs, stop another deployment, or pass skip_resource_check to override.';

/**
 * The plain GPU check used when warm mode is off (behaviour.md §2.8): on every target GPU the
 * memory free now must cover the request, and the summed fractions of live deployments plus this
 * one must stay ≤ 1.0. Returns the 409 message, or null when it fits. Pure.
 */
export function plainGpuCheck(
  gpus: readonly EngineGpu[],
  claims: readonly GpuClaim[],
  request: GpuClaim,
): string | null {
  if (gpus.length === 0 || gpus.every((g) => g.unified)) return null;
  const all = gpus.map((g) => g.index);
  const targets = request.gpu_ids ?? all;
  const problems: string[] = [];
  for (const idx of targets) {
    const gpu = gpus.find((g) => g.index === idx);
    if (!gpu) continue;
    if (gpu.memory_total_mb !== null && gpu.memory_used_mb !== null) {
      const free = gpu.memory_total_mb - gpu.memory_used_mb;
      const need = request.fraction * gpu.memory_total_mb;
      if (free + EPS < need) {
        problems.push(
          `GPU ${idx}: ${Math.round(free)} MB free, ${Math.round(need)} MB needed (${request.fraction} × ${gpu.memory_total_mb} MB)`,
        );
        continue;
      }
    }
    const reserved = claims
      .filter((c) => (c.gpu_ids ?? all).includes(idx))
      .reduce((s, c) => s + c.fraction, 0);
    if (reserved + request.fraction > 1 + EPS) {
      problems.push(
        `GPU ${idx}: ${reserved.toFixed(2)} already reserved + ${request.fraction.toFixed(2)} requested = ${(reserved + request.fraction).toFixed(2)} > 1.0`,
      );
    }
  }
  return problems.length > 0
    ? `Not enough GPU memory: ${problems.join('; ')}. ${PLAIN_CHECK_ADVICE}`
    : null;
}

/** The 400 message for GPU ids outside `0..count-1`, or null when all exist. Pure. */
export function gpuIdsProblem(
  gpuIds: readonly number[] | null | undefined,
  count: number,
): string | null {
  if (!gpuIds || count <= 0) return null;
  const bad = gpuIds.filter((i) => i < 0 || i >= count);
  return bad.length > 0
    ? `Requested GPU id(s) [${bad.join(', ')}] not available; node has ${count} GPU(s).`
    : null;
}
