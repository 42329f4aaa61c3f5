import { AgentHttpError } from '../http/agent-route.js';
import { RuntimeError } from '../runtime/runtime-error.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { INITIAL_USAGE_STATE } from '../../shared/usage-scrape.js';
import { LaunchInputError } from '../../shared/vllm-args.js';
import type { StatusEntry } from './engine.schema.js';
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
    monitorTimer: null,
    logAbort: null,
    recent: [],
    proxy: null,
    lastScrapeAt: 0,
    usageState: INITIAL_USAGE_STATE,
    hostPid: null,
    tree: [],
    lastActiveMs: null,
  };
}

/** Maps any error of a launch step to the HTTP error the agent answers with. */
export function toHttpError(err: unknown, fallbackPrefix = ''): AgentHttpError {
  if (err instanceof AgentHttpError) return err;
  if (err instanceof LaunchInputError) return new AgentHttpError(400, err.message);
  if (err instanceof RuntimeError) return new AgentHttpError(err.status, err.detail);
  const message = err instanceof Error ? err.message : String(err);
  return new AgentHttpError(500, `${fallbackPrefix}${message}`);
}
