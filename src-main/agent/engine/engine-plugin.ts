import { join } from 'node:path';
import { systemClock } from '../../shared/clock.js';
import type { GpuProvider } from '../gpu/gpu-provider.js';
import { deploymentRoutes } from '../http/deployments.routes.js';
import { createAgentLogger } from '../logs/agent-logger.js';
import type { AgentPluginFactory } from '../main.js';
import { DeploymentEngine } from './deployment-engine.js';
import type { EngineRuntimes, EngineTimings } from './engine-deps.js';

export interface DeploymentPluginOptions {
  runtimes: EngineRuntimes;
  gpus: GpuProvider;
  /** True with `--simulate-gpus`: nothing is passed into containers, simulators report their use. */
  simulatedGpus: boolean;
  timings?: Partial<EngineTimings>;
  /** Receives the engine once built (the simulated GPU provider maps simulator ports to GPUs through it). */
  onEngine?: (engine: DeploymentEngine) => void;
}

/**
 * The deployment engine as an agent plug-in: its routes, adoption before the server listens, and
 * detaching (containers keep running) when the agent stops.
 */
export function deploymentPlugin(opts: DeploymentPluginOptions): AgentPluginFactory {
  return (ctx) => {
    const dataDir = ctx.config.dataDir;
    const engine = new DeploymentEngine({
      dataDir,
      runtimes: opts.runtimes,
      gpus: opts.gpus,
      logs: ctx.logs,
      logger: createAgentLogger('engine'),
      clock: systemClock,
      imageRepo: ctx.config.imageRepo,
      modelDirs: [ctx.config.managedModelsDir, ...ctx.config.modelDirs],
      hfCacheDir: ctx.config.hfCacheDir,
      passGpus: !opts.simulatedGpus,
      simStateDir: opts.simulatedGpus ? join(dataDir, 'sim-gpus') : undefined,
      timings: opts.timings,
    });
    opts.onEngine?.(engine);
    return {
      routes: deploymentRoutes(engine),
      start: async () => {
        await engine.start();
      },
      stop: () => engine.close(),
    };
  };
}
