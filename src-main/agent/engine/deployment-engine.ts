import { AppError, errorMessage } from '../../shared/errors.js';
import { WarmController } from './warm/warm-controller.js';
import { deploymentKey } from '../../shared/vllm-args.js';
import { adoptAll } from './adoption.js';
import { EngineContext } from './engine-context.js';
import { withDefaults, type EngineDepsInput } from './engine-deps.js';
import {
  type ExtendBody,
  type LaunchRequest,
  type NodePolicyUpdate,
  type StatusEntry,
} from '../../shared/agent-protocol/deployments.js';
import { FINISHED, PAUSED } from '../../shared/deployment-status.js';
import { launch } from './launcher.js';
import { validateLaunch } from './launch-validation.js';
import { pumpLogs } from './log-pump.js';
import { scheduleMonitor } from './monitor.js';
import { finishedLongEnough, requestsRunning, type Tracked } from './registry.js';
import { killGpuProcess, listContainers, listGpuProcesses, stopRogueContainer } from './rogue.js';
import { transition } from './status.js';
import { deleteCompileCache, killRamSleeper, listWarmArtifacts } from './warm-artifacts.js';
import { rogueSummary } from './warm-artifacts-summary.js';
import { StatusWatch } from './status-watch.js';
import { resumeStops } from './stop-resume.js';
import type {
  ContainerEntry,
  GpuProcessEntry,
  RogueSummary,
  WarmArtifacts,
} from '../../shared/agent-protocol/housekeeping.js';
import { detach, stopDeployment } from './stopper.js';
import type { WarmPlan } from '../../shared/agent-protocol/deployments.js';
import type { LaunchResult } from '../../shared/agent-protocol/deployments.js';

/**
 * The agent's deployment engine: launches vLLM servers, watches them, pauses and wakes warm ones,
 * stops them, and adopts the ones that survived an agent restart. Routes call only this class.
 */
export class DeploymentEngine {
  readonly ctx: EngineContext;
  readonly warm: WarmController;

  private readonly changes: StatusWatch;

  constructor(deps: EngineDepsInput) {
    this.ctx = new EngineContext(withDefaults(deps));
    this.warm = new WarmController(this.ctx, (key, reason) => this.stopNow(key, reason));
    // The state a status poll would show, without marking finished entries as reported. Live
    // figures (token counters, requests in flight, last use) are left out: they move with every
    // request, and the control plane's sync tick keeps them fresh.
    this.changes = new StatusWatch(() =>
      JSON.stringify(
        this.ctx.registry
          .all()
          .map(
            ({ entry: { usage: _u, requests_running: _r, last_active_at: _l, ...state } }) => state,
          ),
      ),
    );
  }

  /**
   * Adopts surviving deployments, then finishes the stops the previous agent acknowledged but did
   * not complete; call once at agent start. Returns the adopted keys.
   */
  async start(): Promise<string[]> {
    const adopted = await adoptAll(this.ctx, (t) => this.watch(t));
    await resumeStops(this.ctx, (key) => this.stop(key));
    return adopted;
  }

  /** Stops watching (containers keep running, to be adopted by the next agent). */
  async close(): Promise<void> {
    this.ctx.closed = true;
    this.changes.close();
    for (const t of this.ctx.registry.all()) {
      await detach(t, (h) => this.ctx.deps.clock.clearTimeout(h));
      t.log?.flush();
    }
  }

  private async watch(t: Tracked): Promise<void> {
    await this.warm.attachProxy(t);
    if (t.log && t.entry.container_id) {
      t.logAbort = new AbortController();
      t.logPump = pumpLogs(t, t.log, this.ctx.deps.timings.monitorMs);
    }
    scheduleMonitor(this.ctx, t);
  }

  /** `POST /deployments/start`. Throws AppError with the reference's codes. */
  async launch(req: LaunchRequest): Promise<LaunchResult> {
    this.dropFinished(this.ctx.deps.clock.now());
    const v = await validateLaunch(this.ctx, req);
    try {
      return await launch(this.ctx, v, this.warm, (t) => this.watch(t));
    } finally {
      v.release();
    }
  }

  private mustGet(key: string): Tracked {
    const t = this.ctx.registry.get(key);
    if (!t || FINISHED.has(t.entry.status))
      throw new AppError('not_found', `Deployment ${key} not found`);
    return t;
  }

  /** Asynchronous stop (30 s grace, then kill and reap); answers at once. */
  stop(key: string): { status: 'stopping'; key: string } {
    const t = this.mustGet(key);
    void this.stopNow(key).catch((err: unknown) => {
      transition(t, 'stop_failed');
      t.entry.error = `Failed to stop: ${errorMessage(err)}`;
    });
    return { status: 'stopping', key };
  }

  /** Stops `key` now; `reason` says why when the agent decided it (else it was requested). */
  private async stopNow(key: string, reason?: string): Promise<void> {
    const t = this.mustGet(key);
    // A stop already under way finishes the job; a second request changes nothing.
    if (t.stopRequested && t.entry.status === 'stopping') return;
    const launching = t.entry.status === 'starting';
    // Recorded before the stop is acknowledged, so an agent killed mid-stop has the next one finish it.
    this.ctx.state.markStopping(key);
    t.stopRequested = true;
    t.entry.desired_state = 'stopped';
    t.entry.stop_reason = reason ?? null;
    transition(t, 'stop');
    this.ctx.agentLine(t, reason ?? 'Stop requested.');
    // The launch in flight sees the stop at its next step and stops what it started itself.
    if (launching) t.launchAbort?.abort();
    else await stopDeployment(this.ctx, t);
  }

  pause(key: string, tier: 'ram' | 'disk' | 'auto' | null | undefined) {
    return this.warm.pause(key, tier ?? null);
  }

  /** Wakes a paused deployment (making room first); 409 when it is not paused, 503 when the wake fails. */
  async resume(key: string): Promise<{ status: 'running'; key: string }> {
    const t = this.mustGet(key);
    if (
      t.entry.status !== 'running' &&
      !PAUSED.has(t.entry.status) &&
      t.entry.status !== 'offloading' &&
      t.entry.status !== 'waking'
    ) {
      throw new AppError(
        'conflict',
        `Deployment is '${t.entry.status}'; only a paused deployment can be resumed.`,
      );
    }
    await this.warm.ensureActive(key);
    return { status: 'running', key };
  }

  pin(key: string, pinned: boolean): { status: 'ok'; key: string; pinned: boolean } {
    const t = this.mustGet(key);
    t.entry.pinned = pinned;
    t.entry.launch_manifest.pinned = pinned;
    // The container label holds the launch's pin; an agent restart reads this one.
    this.ctx.state.update((s) => {
      s.pins[key] = pinned;
    });
    return { status: 'ok', key, pinned };
  }

  /**
   * Stores the agent-side deadline (`expires_at`, null = none) or a new serve duration (see
   * ExtendBodySchema). Throws 422 when a duration alone cannot place the deadline.
   */
  extend(body: ExtendBody): { status: 'ok'; key: string; expires_at: string | null } {
    const { key } = body;
    const t = this.mustGet(key);
    const e = t.entry;
    const duration = body.duration_seconds;
    // Before readiness a duration alone only sets the lease to start then: no deadline is stored.
    let deadlineSet = true;
    if (body.expires_at !== undefined) {
      e.expires_at = body.expires_at;
      if (duration !== undefined) e.duration_seconds = duration;
      else if (body.expires_at === null) e.duration_seconds = null;
    } else if (duration === null || duration === undefined) {
      e.expires_at = null;
      e.duration_seconds = null;
    } else if (e.expires_at !== null && e.duration_seconds !== null) {
      // The lease keeps its start (readiness); only its length changes.
      const start = Date.parse(e.expires_at) - e.duration_seconds * 1000;
      e.expires_at = new Date(start + duration * 1000).toISOString();
      e.duration_seconds = duration;
    } else if (e.expires_at === null && !t.everReady) {
      // Not ready yet: the lease of this length starts at readiness.
      e.duration_seconds = duration;
      deadlineSet = false;
    } else {
      throw new AppError(
        'validation_failed',
        `Deployment ${key} has no lease start to count duration_seconds from; send expires_at.`,
      );
    }
    const expires = e.expires_at;
    this.ctx.state.update((s) => {
      // A stored deadline (even "none") would stop readiness from starting the new lease.
      if (deadlineSet) s.expires[key] = expires;
      else delete s.expires[key];
    });
    return { status: 'ok', key, expires_at: expires };
  }

  plan(
    modelName: string,
    port: number,
    fraction: number,
    gpuIds: number[] | null,
  ): Promise<WarmPlan> {
    return this.warm.plan(deploymentKey(modelName, port), gpuIds, fraction);
  }

  /** Node policy pushed by the host; the pin list is authoritative for every deployment. */
  setPolicy(update: NodePolicyUpdate): { status: 'ok' } & typeof this.ctx.policy {
    const p = this.ctx.policy;
    if (update.warm_offload_enabled !== undefined)
      p.warm_offload_enabled = update.warm_offload_enabled;
    if (update.ram_cache_limit_mb !== undefined) p.ram_cache_limit_mb = update.ram_cache_limit_mb;
    if (update.busy_guard_seconds !== undefined) p.busy_guard_seconds = update.busy_guard_seconds;
    const pins = update.pins;
    if (pins !== undefined) {
      for (const t of this.ctx.registry.all()) {
        t.entry.pinned = pins.includes(t.entry.key);
        t.entry.launch_manifest.pinned = t.entry.pinned;
      }
    }
    this.ctx.state.update((s) => {
      s.policy = { ...p };
      if (pins !== undefined)
        for (const t of this.ctx.registry.active()) s.pins[t.entry.key] = t.entry.pinned;
    });
    return { status: 'ok', ...p };
  }

  /**
   * `GET /deployments/watch`: answers at once when the entries changed since version `since` (or
   * no version is given), else when they change within `waitSeconds`, else then, unchanged.
   */
  async watchStatus(
    since: number | undefined,
    waitSeconds: number,
  ): Promise<{ version: number; changed: boolean; deployments: StatusEntry[] }> {
    const changed = await this.changes.changedSince(since, waitSeconds * 1000);
    const deployments = this.statusEntries();
    return { version: this.changes.current(), changed, deployments };
  }

  /** Status entries for `GET /deployments/status` (copies; never env values). */
  statusEntries(): StatusEntry[] {
    const now = this.ctx.deps.clock.now();
    this.dropFinished(now);
    return this.ctx.registry.all().map((t) => {
      if (t.finishedAt !== null) t.reportedAt ??= now;
      return { ...structuredClone(t.entry), requests_running: requestsRunning(t) };
    });
  }

  /** Stopped and expired entries leave the list once reported (or after a retention), not at restart. */
  private dropFinished(now: number): void {
    for (const t of this.ctx.registry.all())
      if (finishedLongEnough(t, now, this.ctx.deps.timings)) this.ctx.registry.delete(t.entry.key);
  }

  /**
   * True when a live deployment serves this HF repo id, or this host path or a path inside it
   * (deleting its files would pull them from under a running server).
   */
  isModelInUse(nameOrPath: string): boolean {
    const dir = nameOrPath.replace(/\/+$/, '');
    return this.ctx.registry
      .active()
      .some((t) => t.entry.model_name === nameOrPath || t.entry.model_name.startsWith(`${dir}/`));
  }

  /** Host RAM held by paused deployments, MB (`ram_cache_used_mb` of the node). */
  ramCacheUsedMb(): number {
    return this.ctx.registry
      .active()
      .reduce((sum, t) => sum + (t.entry.pause_tier === 'ram' ? t.entry.paused_ram_mb : 0), 0);
  }

  /** Keys of deployments that are live (`GET /deployments`). */
  runningKeys(): string[] {
    return this.ctx.registry.active().map((t) => t.entry.key);
  }

  /** Managed and vLLM-image containers of every runtime, tracked or rogue. */
  listContainers(): Promise<ContainerEntry[]> {
    return listContainers(this.ctx);
  }

  /** Removes a rogue container (409 for one a deployment manages). */
  stopRogueContainer(id: string): Promise<{ status: 'removed'; id: string }> {
    return stopRogueContainer(this.ctx, id);
  }

  /** vLLM processes on the GPUs, tracked or orphaned. */
  listGpuProcesses(): Promise<GpuProcessEntry[]> {
    return listGpuProcesses(this.ctx);
  }

  /** Kills an orphaned vLLM GPU process (409 tracked, 404 gone or not vLLM). */
  killGpuProcess(pid: number): Promise<{ status: 'killed'; pid: number }> {
    return killGpuProcess(this.ctx, pid);
  }

  /** Orphaned RAM sleepers and compile caches. */
  listWarmArtifacts(): Promise<WarmArtifacts> {
    return listWarmArtifacts(this.ctx);
  }

  /** Kills an orphaned RAM sleeper. */
  killRamSleeper(pid: number): Promise<{ status: 'killed'; pid: number }> {
    return killRamSleeper(this.ctx, pid);
  }

  /** Deletes an orphaned compile cache (409 for a tracked one, 400 for a bad name). */
  deleteCompileCache(name: string): Promise<{ status: 'deleted'; name: string }> {
    return deleteCompileCache(this.ctx, name);
  }

  /** Counts of rogue containers, orphaned GPU processes and warm artifacts. */
  rogueSummary(): Promise<RogueSummary> {
    return rogueSummary(this.ctx);
  }
}
