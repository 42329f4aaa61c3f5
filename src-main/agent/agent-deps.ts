import { join } from 'node:path';
import type { AgentConfig } from './config.js';
import type { DeploymentEngine } from './engine/deployment-engine.js';
import { deploymentPlugin } from './engine/engine-plugin.js';
import { filesFeature } from './files/file-routes.js';
import type { GpuProvider } from './gpu/gpu-provider.js';
import { housekeepingPlugin } from './images/housekeeping-plugin.js';
import { createNvidiaSmiProvider, withUnifiedFallback } from './gpu/nvidia-smi.js';
import { readSimStateFiles } from './gpu/sim-state-files.js';
import { createSimulatedGpuProvider } from './gpu/simulated.js';
import { createAgentLogger } from './logs/agent-logger.js';
import type { AgentDeps, AgentPluginFactory } from './main.js';
import { RuntimeRegistry } from './runtime/runtimes.js';

/** Maps a simulator's port to the GPUs its deployment was given (the deployment engine answers). */
export interface SimulatedGpuOwner {
  gpuIdsForPort(port: number): readonly number[] | null;
  /** Host PID of a containerised simulator on `port` whose own PID is `nsPid`; null when not containerised. */
  simulatorHostPid(port: number, nsPid: number): number | null;
}

/** Everything the default plug-ins are built from. */
export interface AgentWiring {
  config: AgentConfig;
  runtimes: RuntimeRegistry;
  gpus: GpuProvider;
  /** Where simulators write their state files (`--simulate-gpus` only). */
  simStateDir: string | undefined;
  /** Set this once the engine exists, so simulated GPU use follows each deployment's GPUs. */
  setGpuOwner(owner: SimulatedGpuOwner): void;
}

/**
 * Feature plug-ins of the real agent, in start order, built from the wiring. The deployment
 * engine (routes and lifecycle) is added here; the route-walk test builds its agent from this too.
 */
export function agentPlugins(w: AgentWiring): AgentPluginFactory[] {
  let engine: DeploymentEngine | undefined;
  return [
    deploymentPlugin({
      runtimes: w.runtimes,
      gpus: w.gpus,
      simulatedGpus: w.simStateDir !== undefined,
      timings: { monitorMs: w.config.monitorIntervalMs },
      onEngine: (e) => {
        engine = e;
        w.setGpuOwner(e);
      },
    }),
    (ctx) =>
      filesFeature({
        dataDir: ctx.config.dataDir,
        hfCacheDir: ctx.config.hfCacheDir,
        modelDirs: [...ctx.config.modelDirs],
        isModelInUse: (n) => engine?.isModelInUse(n) ?? false,
      }),
    housekeepingPlugin({ runtimes: w.runtimes, engine: () => engine }),
  ];
}

/** The real collaborators for `config`: runtime probing, the GPU inventory, and the plug-ins. */
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
  let owner: SimulatedGpuOwner | undefined;
  const simStateDir = config.simulateGpus ? join(config.dataDir, 'sim-gpus') : undefined;
  const gpus: GpuProvider =
    config.simulateGpus && simStateDir
      ? createSimulatedGpuProvider(config.simulateGpus, () =>
          readSimStateFiles(simStateDir, {
            gpuIdsFor: (s) => owner?.gpuIdsForPort(s.port) ?? null,
            hostPidFor: (s) => owner?.simulatorHostPid(s.port, s.pid) ?? null,
          }),
        )
      : withUnifiedFallback(createNvidiaSmiProvider());
  const wiring: AgentWiring = {
    config,
    runtimes,
    gpus,
    simStateDir,
    setGpuOwner: (o) => {
      owner = o;
    },
  };
  return Promise.resolve({
    gpus,
    runtimes,
    plugins: agentPlugins(wiring),
    close: () => runtimes.close(),
  });
}
