import { z } from 'zod';
import type { NodeProbe } from '../system/node-probe.js';
import { isPortAvailable } from '../system/port-check.js';
import { agentRoute, type AgentRoute } from './agent-route.js';

const PortQuery = z.object({
  port: z
    .string()
    .regex(/^\d+$/, 'port must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1, 'port must be 1–65535').max(65535, 'port must be 1–65535')),
});

/** `/health` (public), `/info`, `/metrics` and `/ports/check`. */
export function systemRoutes(probe: NodeProbe): AgentRoute[] {
  return [
    agentRoute({
      method: 'GET',
      path: '/health',
      summary: 'Liveness (public: the Consul check calls it)',
      public: true,
      handler: () => ({ status: 'ok' }),
    }),
    agentRoute({
      method: 'GET',
      path: '/info',
      summary: 'What this node is: GPUs, runtimes, disk, version',
      handler: () => probe.info(),
    }),
    agentRoute({
      method: 'GET',
      path: '/metrics',
      summary: 'Current CPU, memory, GPU and disk load',
      handler: () => probe.metrics(),
    }),
    agentRoute({
      method: 'GET',
      path: '/ports/check',
      summary: 'Whether a port can be bound on 0.0.0.0',
      query: PortQuery,
      handler: async ({ query }) => ({ available: await isPortAvailable(query.port) }),
    }),
  ];
}
