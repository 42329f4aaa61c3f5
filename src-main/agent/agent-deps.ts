import { join } from 'node:path';
import type { AgentConfig } from './config.js';
import type { AgentDeps, AgentPluginFactory } from './main.js';
import { createAgentLogger } from './logs/agent-logger.js';
import { RuntimeRegistry } from './runtime/runtimes.js';
import type { GpuReading, GpuSource } from './system/node-sources.js';

/**
 * Feature plug-ins of the real agent, in start order. The deployment engine (its routes and its
 * lifecycle) is added here; the route-walk test builds its agent from this list too.
 */
export const AGENT_PLUGINS: readonly AgentPluginFactory[] = [];

/** The inventory given by `--simulate-gpus`, idle (until the GPU provider tracks deployments' use). */
function specGpus(config: AgentConfig): GpuSource {
  const gpus: GpuReading[] = [];
  for (const group of config.simulateGpus ?? []) {
    for (let i = 0; i < group.count; i++) {
      gpus.push({
        index: gpus.length,
        name: group.name,
        source: 'simulated',
        utilization: 0,
        memory_used_mb: 0,
        memory_total_mb: group.memoryGb * 1024,
      });
    }
  }
  return { list: () => Promise.resolve(gpus.map((g) => ({ ...g }))) };
}

/** The real collaborators for `config`: runtime probing, the GPU inventory, and the plug-ins above. */
export function defaultAgentDeps(config: AgentConfig): Promise<AgentDeps> {
  const log = createAgentLogger('runtime');
  const runtimes = new RuntimeRegistry({
    preferred: config.runtime ?? null,
    process:
      config.runtime === 'process'
        ? {
            stateDir: join(config.dataDir, 'processes'),
            simCommand: [process.execPath, process.argv[1] ?? '', 'vllm-sim'],
          }
        : null,
    onWarning: (message) => log.warn(message),
  });
  return Promise.resolve({
    gpus: specGpus(config),
    runtimes,
    plugins: AGENT_PLUGINS,
    close: () => runtimes.close(),
  });
}
