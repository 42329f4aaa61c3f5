import type { DeploymentErrorCode } from '../../../shared/deployment-errors.js';
import type { EngineContext } from '../engine-context.js';
import type { EngineGpu } from '../engine-deps.js';
import type { Tracked } from '../registry.js';
import { PAUSED } from '../../../shared/deployment-status.js';

/**
 * True when every GPU of the deployment shows at least half of the deployment's share freed
 * compared with `before`. GPUs that report no used memory are not judged. Pure.
 */
export function sleepFreedEnough(
  before: readonly EngineGpu[],
  after: readonly EngineGpu[],
  gpuIds: readonly number[] | null,
  fraction: number,
): boolean {
  const ids = gpuIds ?? before.filter((g) => !g.unified).map((g) => g.index);
  for (const id of ids) {
    const b = before.find((g) => g.index === id);
    const a = after.find((g) => g.index === id);
    if (b?.memory_used_mb == null || a?.memory_used_mb == null || b.memory_total_mb == null)
      continue;
    if (b.memory_used_mb - a.memory_used_mb < 0.5 * fraction * b.memory_total_mb) return false;
  }
  return true;
}

/**
 * After a sleep, watches the GPUs for up to `sleepLeakWindowMs`: if the deployment's memory did not
 * come free (a known vLLM failure mode), the entry reports `sleep_leak` so the operator sees that
 * the pause bought nothing. Never throws.
 */
export async function checkSleepLeak(
  ctx: EngineContext,
  t: Tracked,
  before: readonly EngineGpu[],
): Promise<void> {
  const e = t.entry;
  const until = Date.now() + ctx.deps.timings.sleepLeakWindowMs;
  try {
    for (;;) {
      if (!PAUSED.has(e.status)) return;
      const now = await ctx.deps.gpus.list();
      if (sleepFreedEnough(before, now, e.gpu_ids, e.gpu_memory_fraction)) return;
      if (Date.now() >= until) break;
      await new Promise<void>((r) => setTimeout(r, 250).unref());
    }
  } catch {
    return;
  }
  if (!PAUSED.has(e.status)) return;
  e.error_code = 'sleep_leak' satisfies DeploymentErrorCode;
  e.error =
    'The model was paused but its GPU memory was not freed (sleep leak); stop and redeploy it to reclaim the VRAM.';
  ctx.agentLine(t, 'Sleep leak: GPU memory did not fall after the pause.');
  ctx.deps.logger.warn('sleep leak after pause', { key: e.key });
}
