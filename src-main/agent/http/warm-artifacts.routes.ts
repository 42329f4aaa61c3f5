import { z } from 'zod';
import type { EngineContext } from '../engine/engine-context.js';
import { deleteCompileCache, killRamSleeper, listWarmArtifacts } from '../engine/warm-artifacts.js';
import { rogueSummary } from '../engine/warm-artifacts-summary.js';
import { agentRoute, type AgentRoute } from './agent-route.js';

const PidParams = z.object({
  pid: z.coerce.number().int().positive('pid must be a positive integer'),
});
// The name is checked by the service so that a bad one is a 400 that names the expected form.
const CacheParams = z.object({ name: z.string() });

/** Orphaned warm-cache artifacts (behaviour.md §4.5) and the rogue counts for the control plane. */
export function warmArtifactRoutes(ctx: EngineContext): AgentRoute[] {
  return [
    agentRoute({
      method: 'GET',
      path: '/warm-artifacts',
      summary: 'Orphaned vLLM RAM sleepers and compile caches',
      handler: () => listWarmArtifacts(ctx),
    }),
    agentRoute({
      method: 'POST',
      path: '/warm-artifacts/sleepers/:pid/kill',
      summary: 'Kill an orphaned vLLM RAM sleeper (SIGTERM, 10 s, SIGKILL)',
      params: PidParams,
      handler: ({ params }) => killRamSleeper(ctx, params.pid),
    }),
    agentRoute({
      method: 'DELETE',
      path: '/warm-artifacts/caches/:name',
      summary: 'Delete an orphaned compile cache directory',
      params: CacheParams,
      handler: ({ params }) => deleteCompileCache(ctx, params.name),
    }),
    agentRoute({
      method: 'GET',
      path: '/rogue-summary',
      summary: 'Counts of rogue containers, orphaned GPU processes and orphaned warm artifacts',
      handler: () => rogueSummary(ctx),
    }),
  ];
}
