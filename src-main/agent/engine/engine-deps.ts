import { type Logger } from '../../shared/node/structured-log.js';
import type { Clock } from '../../shared/clock.js';
import type { GpuProvider } from '../gpu/gpu-provider.js';
import type { LogRuntime, LogStore } from '../logs/log-store.js';
import type { ContainerRuntime, RuntimeName } from '../runtime/container-runtime.js';
import { Registry } from './registry.js';

/** One GPU as the engine needs to see it. */
export interface EngineGpu {
  index: number;
  memory_total_mb: number | null;
  memory_used_mb: number | null;
  unified: boolean;
}

/** One compute process on a GPU. */
export interface EngineGpuProcess {
  pid: number;
  gpu_index: number;
  used_memory_mb: number | null;
  process_name: string;
}

/** The node's GPUs (NVML / nvidia-smi, or the simulated inventory). */
export interface EngineGpuSource {
  list(): Promise<EngineGpu[]>;
  computeApps(): Promise<EngineGpuProcess[]>;
}

/** The container runtimes of this node (RuntimeRegistry in production). */
export interface EngineRuntimes {
  /** The requested runtime, else the preferred one; throws RuntimeError 409 when unavailable. */
  select(requested?: RuntimeName | null): Promise<ContainerRuntime>;
  /** Every available runtime. */
  all(): Promise<ContainerRuntime[]>;
}

/** The deployments' run logs (behaviour.md §2.11), one LogStore per key. */
export interface EngineLogBook {
  /** Opens the log of `key`: a fresh run rotates the previous one, otherwise the stored run resumes. */
  open(key: string, modelName: string, port: number, runtime: LogRuntime, fresh: boolean): LogStore;
  /** Flushes and forgets the log of `key` (the files stay for download). */
  close(key: string): void;
}

/** Tunable timings; tests shorten them, production uses the reference's values. */
export interface EngineTimings {
  monitorMs: number;
  scrapeMs: number;
  stopGraceSeconds: number;
  wakeTimeoutMs: number;
  /** Budget of one `POST /sleep` (reference: 120 s). */
  sleepTimeoutMs: number;
  isSleepingPollMs: number;
  sleepLeakWindowMs: number;
  /** How long a resume keeps re-planning beyond the busy guard (reference: 2 s). */
  busyGuardSlackMs: number;
  /** A stopped or expired entry leaves the status list this long after a poll reported it. */
  finishedSeenMs: number;
  /** …or this long after it finished, when no poll came. */
  finishedRetentionMs: number;
}

export const DEFAULT_TIMINGS: EngineTimings = {
  monitorMs: 2000,
  scrapeMs: 15_000,
  stopGraceSeconds: 30,
  wakeTimeoutMs: 120_000,
  sleepTimeoutMs: 120_000,
  isSleepingPollMs: 200,
  sleepLeakWindowMs: 10_000,
  busyGuardSlackMs: 2000,
  // A few of the control plane's 5 s sync ticks see it; an agent nobody polls forgets in 10 min.
  finishedSeenMs: 30_000,
  finishedRetentionMs: 600_000,
};

/** Everything the deployment engine is built from (composition root: `agent/bootstrap.ts`). */
export interface EngineDeps {
  dataDir: string;
  /** The deployments the engine tracks (the simulated GPU inventory reads it too). */
  registry: Registry;
  runtimes: EngineRuntimes;
  /** The newest vLLM release (e.g. `0.11.0`) for a blank version, or null → `latest`. */
  latestRelease?: () => Promise<string | null>;
  gpus: EngineGpuSource;
  logs: EngineLogBook;
  logger: Logger;
  clock: Clock;
  imageRepo: string;
  /** Allowed host model directories (resolved, absolute); the managed dir comes first. */
  modelDirs: readonly string[];
  hfCacheDir: string;
  /** False with simulated GPUs: nothing to pass into the container. */
  passGpus: boolean;
  /**
   * True with `--simulate-gpus`: each simulator writes a state file (AERIE_SIM_STATE_FILE) under
   * `sim-gpus/`, so the simulated inventory follows the deployments' memory.
   */
  simulatedGpus?: boolean;
  /** Default of the crash-loop breaker (reference `MAX_FAILED_RESTARTS`). */
  maxFailedRestarts: number;
  timings: EngineTimings;
}

/** Options a caller may omit. */
export type EngineDepsInput = Omit<
  EngineDeps,
  'timings' | 'maxFailedRestarts' | 'passGpus' | 'gpus' | 'registry'
> & {
  gpus: GpuProvider;
  registry?: Registry;
  timings?: Partial<EngineTimings>;
  maxFailedRestarts?: number;
  passGpus?: boolean;
};

/** Fills defaults. */
export function withDefaults(input: EngineDepsInput): EngineDeps {
  return {
    ...input,
    gpus: adaptGpuProvider(input.gpus),
    registry: input.registry ?? new Registry(),
    timings: { ...DEFAULT_TIMINGS, ...input.timings },
    maxFailedRestarts: input.maxFailedRestarts ?? 3,
    passGpus: input.passGpus ?? true,
  };
}

export type { RuntimeName };

/** The engine's view of a GpuProvider: unified flag from the source, GPU index instead of UUID. */
export function adaptGpuProvider(p: GpuProvider): EngineGpuSource {
  const list = async (): Promise<EngineGpu[]> =>
    (await p.list()).map((g) => ({
      index: g.index,
      memory_total_mb: g.memory_total_mb,
      memory_used_mb: g.memory_used_mb,
      unified: g.source === 'unified',
    }));
  return {
    list,
    async computeApps() {
      const byUuid = new Map((await p.list()).map((g) => [g.uuid, g.index]));
      return (await p.computeApps()).map((a) => ({
        pid: a.pid,
        gpu_index: byUuid.get(a.gpu_uuid) ?? -1,
        used_memory_mb: a.used_memory_mb,
        process_name: a.process_name,
      }));
    },
  };
}
