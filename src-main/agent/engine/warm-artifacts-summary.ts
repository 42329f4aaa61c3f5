import type { EngineContext } from './engine-context.js';
import { listContainers, listGpuProcesses } from './rogue.js';
import { listWarmArtifacts } from './warm-artifacts.js';
import type { RogueSummary } from '../../shared/agent-protocol/housekeeping.js';

/** `GET /rogue-summary`: the same lists as the detail routes, counted (cache sizes are not walked). */
export async function rogueSummary(ctx: EngineContext): Promise<RogueSummary> {
  const [containers, processes, artifacts] = await Promise.all([
    listContainers(ctx),
    listGpuProcesses(ctx),
    listWarmArtifacts(ctx, { sizes: false }),
  ]);
  return {
    containers: containers.filter((c) => !c.tracked).length,
    // A process on several GPUs is listed once per GPU but is one orphan.
    processes: new Set(processes.filter((p) => !p.tracked).map((p) => p.pid)).size,
    artifacts: artifacts.ram_sleepers.length + artifacts.disk_caches.length,
  };
}
