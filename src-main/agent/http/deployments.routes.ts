import { z } from 'zod';
import type { DeploymentEngine } from '../engine/deployment-engine.js';
import {
  ExtendBodySchema,
  KeyBodySchema,
  LaunchRequestSchema,
  NodePolicySchema,
  PauseBodySchema,
  PinBodySchema,
  PlanBodySchema,
} from '../engine/engine.schema.js';
import {
  killGpuProcess,
  listContainers,
  listGpuProcesses,
  stopRogueContainer,
} from '../engine/rogue.js';
import { agentRoute, type AgentRoute } from './agent-route.js';

const ContainerIdParams = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{6,128}$/, 'id must be a container id (at least 6 characters)'),
});
const PidParams = z.object({
  pid: z.coerce.number().int().positive('pid must be a positive integer'),
});

/** The agent's deployment API (behaviour.md §1.8): lifecycle, warm cache, node policy, rogue cleanup. */
export function deploymentRoutes(engine: DeploymentEngine): AgentRoute[] {
  const ctx = engine.ctx;
  return [
    agentRoute({
      method: 'GET',
      path: '/deployments',
      summary: 'Keys of the live deployments',
      handler: () => ({ running: engine.runningKeys() }),
    }),
    agentRoute({
      method: 'GET',
      path: '/deployments/status',
      summary: 'Status entry of every deployment (never env values)',
      handler: () => ({ deployments: engine.statusEntries() }),
    }),
    agentRoute({
      method: 'POST',
      path: '/deployments/start',
      summary: 'Launch a vLLM deployment',
      body: LaunchRequestSchema,
      handler: ({ body }) => engine.launch(body),
    }),
    agentRoute({
      method: 'POST',
      path: '/deployments/stop',
      summary: 'Stop a deployment (asynchronous; 30 s grace)',
      body: KeyBodySchema,
      handler: ({ body }) => engine.stop(body.key),
    }),
    agentRoute({
      method: 'POST',
      path: '/deployments/pause',
      summary: 'Pause a warm deployment to host RAM (vLLM sleep level 1)',
      body: PauseBodySchema,
      handler: ({ body }) => engine.pause(body.key, body.tier),
    }),
    agentRoute({
      method: 'POST',
      path: '/deployments/resume',
      summary: 'Wake a paused deployment, making room on its GPUs first',
      body: KeyBodySchema,
      handler: ({ body }) => engine.resume(body.key),
    }),
    agentRoute({
      method: 'POST',
      path: '/deployments/pin',
      summary: 'Pin or unpin a deployment (pinned ones are never paused)',
      body: PinBodySchema,
      handler: ({ body }) => engine.pin(body.key, body.pinned),
    }),
    agentRoute({
      method: 'POST',
      path: '/deployments/extend',
      summary: 'Store the agent-side serve deadline',
      body: ExtendBodySchema,
      handler: ({ body }) =>
        engine.extend(body.key, body.expires_at ?? null, body.duration_seconds ?? null),
    }),
    agentRoute({
      method: 'POST',
      path: '/deployments/plan',
      summary: 'Dry-run of the warm-cache eviction a launch would need',
      body: PlanBodySchema,
      handler: ({ body }) =>
        engine.plan(body.model_name, body.port, body.gpu_memory_fraction, body.gpu_ids ?? null),
    }),
    agentRoute({
      method: 'POST',
      path: '/config',
      summary: 'Node policy pushed by the control plane',
      body: NodePolicySchema,
      handler: ({ body }) => engine.setPolicy(body),
    }),
    agentRoute({
      method: 'GET',
      path: '/containers',
      summary: 'Managed and vLLM-image containers, tracked or rogue',
      handler: () => listContainers(ctx),
    }),
    agentRoute({
      method: 'POST',
      path: '/containers/:id/stop',
      summary: 'Remove a rogue container and reap its processes',
      params: ContainerIdParams,
      handler: ({ params }) => stopRogueContainer(ctx, params.id),
    }),
    agentRoute({
      method: 'GET',
      path: '/gpu-processes',
      summary: 'vLLM processes on the GPUs, tracked or orphaned',
      handler: () => listGpuProcesses(ctx),
    }),
    agentRoute({
      method: 'POST',
      path: '/gpu-processes/:pid/kill',
      summary: 'Kill an orphaned vLLM GPU process (SIGTERM, 10 s, SIGKILL)',
      params: PidParams,
      handler: ({ params }) => killGpuProcess(ctx, params.pid),
    }),
  ];
}
