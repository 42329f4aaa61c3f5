// Automatic GPU selection (DESIGN.md §12.12): with `gpu_ids` omitted, the control plane picks the
// `tensor_parallel_size` least-loaded GPUs that are not cordoned, and records them.

export interface PlacementGpu {
  index: number;
  memory_used_mb: number | null;
}

export interface PlacedDeployment {
  /** Null = every GPU of the node. */
  gpu_ids: readonly number[] | null;
  fraction: number;
}

/**
 * The GPUs for a new deployment: the `count` GPUs with the smallest reserved fraction (the sum
 * over the node's active deployments), ties broken by memory in use, then index. Cordoned GPUs
 * are never chosen. Returns null when fewer than `count` GPUs are available.
 */
export function placeGpus(
  gpus: readonly PlacementGpu[],
  cordoned: readonly number[],
  deployments: readonly PlacedDeployment[],
  count: number,
): number[] | null {
  const available = gpus.filter((g) => !cordoned.includes(g.index));
  if (available.length < count) return null;
  const reserved = new Map<number, number>();
  for (const d of deployments)
    for (const g of d.gpu_ids ?? gpus.map((x) => x.index))
      reserved.set(g, (reserved.get(g) ?? 0) + d.fraction);
  return [...available]
    .sort(
      (a, b) =>
        (reserved.get(a.index) ?? 0) - (reserved.get(b.index) ?? 0) ||
        (a.memory_used_mb ?? 0) - (b.memory_used_mb ?? 0) ||
        a.index - b.index,
    )
    .slice(0, count)
    .map((g) => g.index)
    .sort((a, b) => a - b);
}
