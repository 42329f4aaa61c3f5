import { AGENT_API as api } from '../../shared/agent-protocol/api.js';
import { route, type RouteDef } from '../../shared/node/route.js';
import type { DeploymentEngine } from './deployment-engine.js';

/** Rogue containers, orphaned GPU processes and warm artifacts (behaviour.md §4.5). */
export function leftoverRoutes(engine: DeploymentEngine): RouteDef[] {
  return [
    route(api.containers, () => engine.listContainers()),
    route(api.containerStop, ({ params }) => engine.stopRogueContainer(params.id)),
    route(api.gpuProcesses, () => engine.listGpuProcesses()),
    route(api.gpuProcessKill, ({ params }) => engine.killGpuProcess(params.pid)),
    route(api.warmArtifacts, () => engine.listWarmArtifacts()),
    route(api.sleeperKill, ({ params }) => engine.killRamSleeper(params.pid)),
    route(api.cacheDelete, ({ params }) => engine.deleteCompileCache(params.name)),
    route(api.rogueSummary, () => engine.rogueSummary()),
  ];
}
