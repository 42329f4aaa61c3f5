import type { LogStore } from '../logs/log-store.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { WakeProxy } from './warm/wake-proxy.js';
import type { UsageScrapeState } from '../../shared/usage-scrape.js';
import type { PlanDeployment } from '../../shared/warm-plan.js';
import { type StatusEntry } from '../../shared/agent-protocol/deployments.js';
import { FINISHED, HOLDS_GPU } from '../../shared/deployment-status.js';
import type { ProcRef } from './process-tree.js';

/** Lines kept in memory per deployment for failure classification (behaviour.md §2.10). */
export const CLASSIFY_WINDOW = 300;

/** One deployment the engine knows about: its wire entry plus what only the agent may see. */
export interface Tracked {
  entry: StatusEntry;
  /** Env values; they never leave the agent except into the container itself. */
  env: Record<string, string>;
  runtime: ContainerRuntime | null;
  log: LogStore | null;
  everReady: boolean;
  /** The runtime's restart count last seen (increases are crashes). */
  seenRestarts: number;
  stopRequested: boolean;
  /** Aborted when a stop arrives while the launch is still in flight (cuts an image pull short). */
  launchAbort: AbortController | null;
  monitorTimer: unknown;
  logAbort: AbortController | null;
  /** The log pump following the runtime's log; it ends by itself once a stopped container's stream does. */
  logPump: Promise<void> | null;
  /** Last raw log texts, newest last. */
  recent: string[];
  proxy: WakeProxy | null;
  /** Epoch ms of the last usage scrape. */
  lastScrapeAt: number;
  /** State of the usage computation between scrapes. */
  usageState: UsageScrapeState;
  /** Host PID of the container's main process as last reported by the runtime (null when not running). */
  hostPid: number | null;
  /** Process tree of the container's main process, as last seen by the monitor. */
  tree: ProcRef[];
  /** Epoch ms of the last generation request (the LRU order of the evictor). */
  lastActiveMs: number | null;
  /** Engine-clock ms at which the deployment ended stopped or expired (null while it runs). */
  finishedAt: number | null;
  /** Engine-clock ms of the first status poll that reported it finished. */
  reportedAt: number | null;
  /** The engine refused a level-2 sleep: it cannot go to disk, so the planner stops it instead. */
  diskRefused: boolean;
}

/** How long finished entries stay in the status list (EngineTimings). */
export interface FinishedRetention {
  /** After a status poll reported the entry finished (ms). */
  finishedSeenMs: number;
  /** After it finished, whether or not anyone polled (ms). */
  finishedRetentionMs: number;
}

/**
 * True when a stopped or expired entry has been in the status list long enough: reported by a
 * poll `finishedSeenMs` ago, or finished `finishedRetentionMs` ago. Given-up `error` entries are
 * never dropped (their error is what the operator must see). Pure.
 */
export function finishedLongEnough(t: Tracked, now: number, r: FinishedRetention): boolean {
  if (t.finishedAt === null || !FINISHED.has(t.entry.status)) return false;
  if (t.reportedAt !== null && now - t.reportedAt >= r.finishedSeenMs) return true;
  return now - t.finishedAt >= r.finishedRetentionMs;
}

/** All deployments of this agent, by key `<model>:<port>`. */
export class Registry {
  private readonly byKey = new Map<string, Tracked>();

  get(key: string): Tracked | undefined {
    return this.byKey.get(key);
  }

  set(t: Tracked): void {
    this.byKey.set(t.entry.key, t);
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }

  all(): Tracked[] {
    return [...this.byKey.values()];
  }

  /** Deployments still owned by the engine: not stopped, expired, or given up (error without a container). */
  active(): Tracked[] {
    return this.all().filter(isLive);
  }

  /** True when `key` is tracked and live: a second launch of it is refused. */
  isActive(key: string): boolean {
    const t = this.byKey.get(key);
    return t !== undefined && isLive(t);
  }

  /** Internal ports in use, so a new warm deployment never gets one twice. */
  internalPorts(): Set<number> {
    const out = new Set<number>();
    for (const t of this.active())
      if (t.entry.internal_port !== null) out.add(t.entry.internal_port);
    return out;
  }
}

function isLive(t: Tracked): boolean {
  const e = t.entry;
  if (FINISHED.has(e.status)) return false;
  // The provisional entry of a launch has no container yet but is very much alive.
  return !(e.status === 'error' && e.container_id === null);
}

/**
 * True when the deployment's share of its GPUs is taken: its container is live, paused ones
 * included (they take their share back on resume), or its launch is in flight (a provisional
 * `starting` entry has no container yet but already claims its share).
 */
export function claimsGpu(t: Tracked): boolean {
  const e = t.entry;
  return (e.container_id !== null && HOLDS_GPU.has(e.status)) || e.status === 'starting';
}

/** The planner's view of one tracked deployment. */
export function toPlanDeployment(t: Tracked): PlanDeployment {
  const e = t.entry;
  return {
    key: e.key,
    model_name: e.model_name,
    gpu_ids: e.gpu_ids,
    fraction: e.gpu_memory_fraction,
    status: e.status,
    warm_capable: e.warm && e.internal_port !== null,
    disk_capable: e.warm && e.internal_port !== null && !t.diskRefused,
    pinned: e.pinned,
    pause_tier: e.pause_tier,
    paused_ram_mb: e.paused_ram_mb,
    last_active_at: t.lastActiveMs,
    requests_running: requestsRunning(t) ?? 0,
    live_container: claimsGpu(t),
  };
}

/**
 * Requests in flight: the wake proxy sees every generation request of a warm deployment as it
 * happens; the metrics scrape (up to 15 s old) is all there is for a cold one. Null when unknown.
 */
export function requestsRunning(t: Tracked): number | null {
  return t.proxy ? t.proxy.inflight : t.entry.requests_running;
}

/** Appends a raw log text to the classification window. */
export function remember(t: Tracked, text: string): void {
  t.recent.push(text);
  if (t.recent.length > CLASSIFY_WINDOW) t.recent.splice(0, t.recent.length - CLASSIFY_WINDOW);
}
