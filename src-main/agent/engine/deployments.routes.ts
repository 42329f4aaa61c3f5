import { AGENT_API as api } from '../../shared/agent-protocol/api.js';
import { route, type RouteDef } from '../../shared/node/route.js';
import type { DeploymentEngine } from './deployment-engine.js';

/** The agent's deployment API (behaviour.md §1.8): lifecycle, warm cache and node policy. */
export function deploymentRoutes(engine: DeploymentEngine): RouteDef[] {
  return [
    route(api.runningKeys, () => ({ running: engine.runningKeys() })),
    route(api.status, () => ({ deployments: engine.statusEntries() })),
    route(api.watch, ({ query }) => engine.watchStatus(query.since, query.wait ?? 0)),
    route(api.start, ({ body }) => engine.launch(body)),
    route(api.stop, ({ body }) => engine.stop(body.key)),
    route(api.pause, ({ body }) => engine.pause(body.key, body.tier)),
    route(api.resume, ({ body }) => engine.resume(body.key)),
    route(api.pin, ({ body }) => engine.pin(body.key, body.pinned)),
    route(api.extend, ({ body }) => engine.extend(body)),
    route(api.plan, ({ body }) =>
      engine.plan(body.model_name, body.port, body.gpu_memory_fraction, body.gpu_ids ?? null),
    ),
    route(api.config, ({ body }) => engine.setPolicy(body)),
  ];
}
