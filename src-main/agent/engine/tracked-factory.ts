import { AppError, errnoCode, errorMessage } from '../../shared/errors.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { INITIAL_USAGE_STATE } from '../../shared/usage-scrape.js';
import { type LaunchManifest, type StatusEntry } from '../../shared/agent-protocol/deployments.js';
import type { Tracked } from './registry.js';

/** A fresh in-memory record around a status entry. */
export function newTracked(
  entry: StatusEntry,
  env: Record<string, string>,
  runtime: ContainerRuntime | null,
): Tracked {
  return {
    entry,
    env,
    runtime,
    log: null,
    everReady: false,
    seenRestarts: 0,
    stopRequested: false,
    launchAbort: null,
    monitorTimer: null,
    logAbort: null,
    logPump: null,
    recent: [],
    proxy: null,
    lastScrapeAt: 0,
    usageState: INITIAL_USAGE_STATE,
    hostPid: null,
    tree: [],
    lastActiveMs: null,
    finishedAt: null,
    reportedAt: null,
    diskRefused: false,
  };
}

/** The parts of a status entry that the launch manifest does not hold. */
export type EntryState = Pick<
  StatusEntry,
  | 'status'
  | 'phase'
  | 'vllm_version'
  | 'image'
  | 'image_digest'
  | 'container_id'
  | 'container_runtime'
  | 'expires_at'
>;

/**
 * A status entry for `key` built from its launch manifest (launch and adoption both start here),
 * with no pause, usage, error or pull progress yet.
 */
export function entryFromManifest(
  key: string,
  port: number,
  m: LaunchManifest,
  state: EntryState,
): StatusEntry {
  return {
    key,
    model_name: key.slice(0, key.lastIndexOf(':')),
    port,
    internal_port: m.internal_port,
    gpu_memory_fraction: m.gpu_memory_fraction,
    gpu_ids: m.gpu_ids,
    tensor_parallel_size: m.tensor_parallel_size,
    engine_args: m.engine_args,
    lora_modules: m.lora_modules,
    max_failed_restarts: m.max_failed_restarts,
    desired_state: 'running',
    launch_manifest: m,
    warm: m.warm,
    pinned: m.pinned,
    pause_tier: null,
    paused_ram_mb: 0,
    last_active_at: null,
    duration_seconds: m.duration_seconds,
    usage: null,
    requests_running: null,
    error: null,
    error_code: null,
    exit_code: null,
    stop_reason: null,
    pull_progress: null,
    ...state,
  };
}

/**
 * Maps an error of a launch step to what the agent answers with: an AppError as it is, a message
 * error as a 500 with its message. A system error (`ENOENT`, `ENAMETOOLONG`…) is returned as it is:
 * its message names host paths, so the server answers it with a request id and logs it instead.
 */
export function toHttpError(err: unknown, fallbackPrefix = ''): unknown {
  if (err instanceof AppError || errnoCode(err) !== undefined) return err;
  return new AppError('internal', `${fallbackPrefix}${errorMessage(err)}`);
}
