import type { EngineContext } from './engine-context.js';
import { MANAGED_LABEL, parseDeploymentLabels } from './labels.js';

/**
 * Finishes the stops the previous agent acknowledged but did not complete (it was killed): a
 * deployment adopted again is stopped through `stopLive` (in the background, with its grace
 * period), and an exited container left by an interrupted stop is removed. Run after adoption.
 * Returns the keys it acted on.
 */
export async function resumeStops(
  ctx: EngineContext,
  stopLive: (key: string) => void,
): Promise<string[]> {
  const pending = [...ctx.state.get().stopping];
  if (pending.length === 0) return [];
  const leftovers = pending.filter((key) => !ctx.registry.isActive(key));
  for (const key of pending) if (ctx.registry.isActive(key)) stopLive(key);
  for (const runtime of await ctx.deps.runtimes.all().catch(() => [])) {
    const containers = await runtime.list([`${MANAGED_LABEL}=true`]).catch(() => []);
    for (const c of containers) {
      const key = parseDeploymentLabels(c.labels)?.key;
      if (key === undefined || !leftovers.includes(key)) continue;
      await runtime.remove(c.id).catch((err: unknown) =>
        ctx.deps.logger.warn('could not remove the container of a stopped deployment', {
          key,
          container: c.id,
          err,
        }),
      );
    }
  }
  for (const key of leftovers) {
    ctx.forgetSimState(key);
    ctx.state.forget(key);
  }
  if (pending.length > 0)
    ctx.deps.logger.info('finished stops interrupted by an agent restart', { keys: pending });
  return pending;
}
