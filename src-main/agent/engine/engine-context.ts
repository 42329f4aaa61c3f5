import { rmSync } from 'node:fs';
import type { NodePolicy } from '../../shared/agent-protocol/deployments.js';
import { simStateFile, stateFile } from '../data-dir.js';
import type { EngineDeps } from './engine-deps.js';
import type { Registry, Tracked } from './registry.js';
import { StateFile } from './state-file.js';

/** The warm-cache operations the rest of the engine calls (implemented in src-main/agent/warm/). */
export interface WarmOps {
  /** Starts the wake proxy of a warm deployment on its public port. */
  attachProxy(t: Tracked): Promise<void>;
}

/** State shared by the parts of the deployment engine (launcher, monitor, stopper, adoption, warm). */
export class EngineContext {
  readonly registry: Registry;
  readonly state: StateFile;
  policy: NodePolicy = {
    warm_offload_enabled: false,
    ram_cache_limit_mb: null,
    busy_guard_seconds: 0,
  };
  closed = false;
  /** Public ports held by launches between validation and their end (port → deployment key). */
  readonly launchingPorts = new Map<number, string>();

  constructor(readonly deps: EngineDeps) {
    this.registry = deps.registry;
    this.state = new StateFile(stateFile(deps.dataDir));
    const saved = this.state.get().policy;
    if (saved) {
      this.policy = {
        warm_offload_enabled: saved.warm_offload_enabled,
        ram_cache_limit_mb: saved.ram_cache_limit_mb,
        busy_guard_seconds: saved.busy_guard_seconds,
      };
    }
  }

  /** Where the simulator of `key` writes its state (simulated GPUs only), else null. */
  simStateFile(key: string): string | null {
    return this.deps.simulatedGpus ? simStateFile(this.deps.dataDir, key) : null;
  }

  /**
   * Deletes the simulator state file of `key` once its container is gone: a killed simulator
   * cannot remove it, and a containerised one's namespace PID may look alive on the host.
   */
  forgetSimState(key: string): void {
    const file = this.simStateFile(key);
    if (file) rmSync(file, { force: true });
  }

  nowIso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  /** Writes an `[agent] …` line into the deployment's run log. */
  agentLine(t: Tracked, text: string): void {
    t.log?.write(text, 'agent');
  }

  /** Writes a `[docker]` line (shown as `[podman]` on Podman) into the deployment's run log. */
  runtimeLine(t: Tracked, text: string): void {
    t.log?.write(text, 'docker');
  }
}
