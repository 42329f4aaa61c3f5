import { readSimStateFiles } from '../gpu/sim-state-files.js';
import type { SimulatedLoad } from '../gpu/simulated.js';
import { findByNamespacePid } from './process-tree.js';
import type { Registry, Tracked } from './registry.js';

function servingOn(registry: Registry, port: number): Tracked | undefined {
  return registry.active().find((t) => t.entry.port === port || t.entry.internal_port === port);
}

/**
 * The loads of the simulated GPUs: the state files the simulators write under `dir`, each matched
 * to the tracked deployment serving on its port for the GPUs it was given and, when it runs in a
 * container's PID namespace, its host PID.
 */
export function simulatedLoads(dir: string, registry: Registry): () => Promise<SimulatedLoad[]> {
  return () =>
    readSimStateFiles(dir, {
      gpuIdsFor: (s) => servingOn(registry, s.port)?.entry.gpu_ids ?? null,
      hostPidFor: (s) => {
        const t = servingOn(registry, s.port);
        if (!t?.runtime || t.runtime.name === 'process' || t.hostPid === null) return null;
        return findByNamespacePid(t.hostPid, s.pid) ?? t.hostPid;
      },
    });
}
