import { AppError, errorMessage } from '../../../shared/errors.js';
import type { EngineContext, WarmOps } from '../engine-context.js';
import type { EngineGpu } from '../engine-deps.js';
import { toPlanDeployment, type Tracked } from '../registry.js';
import {
  isSleeping,
  reloadWeights,
  resetPrefixCache,
  sleepEngine,
  wakeEngine,
} from '../vllm-client.js';
import {
  estimatePausedRamMb,
  planWarmEviction,
  REASON_RAM_FULL,
  type PlanGpu,
} from '../../../shared/warm-plan.js';
import { GpuLocks } from './gpu-locks.js';
import { checkSleepLeak } from './sleep-leak.js';
import { SingleFlight } from './single-flight.js';
import { WakeProxy } from './wake-proxy.js';
import { transition } from '../status.js';
import { FINISHED, PAUSED } from '../../../shared/deployment-status.js';
import type {
  AgentPauseTier,
  Offloaded,
  PlanItem,
} from '../../../shared/agent-protocol/deployments.js';
import type { WarmPlan } from '../../../shared/agent-protocol/deployments.js';

export const NO_FIT_REASON =
  'GPU is full and no model is eligible for automatic offload. Pin fewer models, stop one, or lower the GPU memory fraction.';

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

function planGpus(gpus: readonly EngineGpu[]): PlanGpu[] {
  return gpus.map((g) => ({
    index: g.index,
    memory_total_mb: g.memory_total_mb,
    unified: g.unified,
  }));
}

/** Why a pause or wake of `t` could not finish: a stop (the usual case) or a failure the monitor saw. */
function cutShort(t: Tracked, doing: 'paused' | 'woke'): string {
  const e = t.entry;
  return t.stopRequested && e.status !== 'error'
    ? `Deployment ${e.key} was stopped while it ${doing}.`
    : `Deployment ${e.key} failed while it ${doing}: ${e.error ?? `it is '${e.status}'`}`;
}

function ramStopReason(requester: Tracked, ctx: EngineContext): string {
  const limit = ctx.policy.ram_cache_limit_mb;
  return `Stopped to free host RAM for ${requester.entry.model_name}: the RAM cache (limit ${limit ?? '?'} MB) was full and this was the least recently used paused model.`;
}

/** Stops a deployment to free RAM (an eviction plan's `stop` item); `reason` goes on its entry and log. */
export type StopForRam = (key: string, reason: string) => Promise<void>;

/**
 * Pause, resume and auto-eviction on the agent (behaviour.md §3.4, DESIGN.md §5, §12.6).
 * Fits on the same GPUs are serialised by per-GPU locks; each key wakes at most once at a time.
 */
export class WarmController implements WarmOps {
  private readonly locks = new GpuLocks();
  private readonly wakes = new SingleFlight<void>();
  private readonly pausing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly stopForRam: StopForRam,
  ) {}

  private async state(gpus?: EngineGpu[]) {
    const list = gpus ?? (await this.ctx.deps.gpus.list());
    return {
      gpus: planGpus(list),
      deployments: this.ctx.registry.active().map(toPlanDeployment),
      busy_guard_seconds: this.ctx.policy.busy_guard_seconds,
      now: this.ctx.deps.clock.now(),
      ram_cache_limit_mb: this.ctx.policy.ram_cache_limit_mb,
    };
  }

  /** Read-only eviction preview for a deployment that is not launched yet. */
  async plan(key: string, gpuIds: number[] | null, fraction: number): Promise<WarmPlan> {
    return planWarmEviction(await this.state(), { key, gpu_ids: gpuIds, fraction, resume: false });
  }

  /**
   * Makes room for a launching deployment, pausing LRU victims (and, when the RAM budget is full,
   * demoting LRU RAM-paused models to disk, or stopping those that cannot go there); 507 when it
   * cannot fit. Returns every model it paused, demoted or stopped.
   */
  async ensureFit(t: Tracked): Promise<Offloaded[]> {
    const items = await this.fit(t, false, () => undefined);
    return items.map((i) => ({
      key: i.key,
      model_name: i.model_name,
      tier: i.tier,
      action: i.action === 'stop' ? 'stopped' : i.action === 'demote' ? 'demoted' : 'paused',
    }));
  }

  /**
   * Plans under the locks of the request's GPUs, extends the locks to the victims' GPUs and
   * re-plans, executes the plan, verifies, then runs `claim` while still holding the locks.
   */
  private async fit(t: Tracked, resume: boolean, claim: () => void): Promise<PlanItem[]> {
    const gpus = await this.ctx.deps.gpus.list();
    const all = gpus.map((g) => g.index);
    const req = {
      key: t.entry.key,
      gpu_ids: t.entry.gpu_ids,
      fraction: t.entry.gpu_memory_fraction,
      resume,
    };
    let release = await this.locks.acquire(req.gpu_ids ?? all);
    try {
      let plan = planWarmEviction(await this.state(gpus), req);
      const victimGpus = new Set<number>(req.gpu_ids ?? all);
      for (const item of plan.plan)
        for (const g of this.ctx.registry.get(item.key)?.entry.gpu_ids ?? all) victimGpus.add(g);
      if (victimGpus.size > (req.gpu_ids ?? all).length) {
        release();
        release = await this.locks.acquire(victimGpus);
        plan = planWarmEviction(await this.state(gpus), req);
      }
      if (!plan.fits) throw new AppError('insufficient_storage', plan.reason ?? NO_FIT_REASON);
      const done: PlanItem[] = [];
      for (const item of plan.plan) {
        if (item.action === 'stop') await this.stopForRam(item.key, ramStopReason(t, this.ctx));
        else if (item.action === 'demote') {
          const victim = this.mustGet(item.key);
          try {
            await this.demoteNow(victim, true);
          } catch (err) {
            // An engine that cannot sleep at level 2 still has to give its RAM back: stop it.
            if (!victim.diskRefused) throw err;
            await this.stopForRam(item.key, ramStopReason(t, this.ctx));
            done.push({ ...item, action: 'stop', tier: 'ram' });
            continue;
          }
        } else await this.pauseNow(this.mustGet(item.key), true);
        done.push(item);
      }
      const after = planWarmEviction(await this.state(gpus), req);
      if (!after.fits || after.plan.length > 0)
        throw new AppError(
          'insufficient_storage',
          'GPU still over-committed after evictions completed.',
        );
      claim();
      return done;
    } finally {
      release();
    }
  }

  /** Wakes the models a cancelled launch paused for nothing, if they are still paused. */
  async wakeAfterCancel(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      if (this.ctx.registry.get(key)?.entry.status !== 'paused_ram') continue;
      await this.ensureActive(key).catch((err: unknown) =>
        this.ctx.deps.logger.warn('could not wake a model after a cancelled launch', { key, err }),
      );
    }
  }

  /** The tracked deployment `key`; 404 when unknown or over, as every route answers for those. */
  private mustGet(key: string): Tracked {
    const t = this.ctx.registry.get(key);
    if (!t || FINISHED.has(t.entry.status))
      throw new AppError('not_found', `Deployment ${key} not found`);
    return t;
  }

  /**
   * Manual pause (`POST /deployments/pause`); pinned deployments are never paused (DESIGN §12.6).
   * `ram` sleeps at level 1 (409 when the RAM budget cannot take it), `disk` at level 2 (also
   * moves a RAM-paused model to disk), `auto` to RAM while the budget allows, else to disk; none
   * (null) is `ram` for a running model and the current tier for a paused one.
   */
  async pause(
    key: string,
    tier: AgentPauseTier | 'auto' | null,
  ): Promise<{ status: 'paused' | 'skipped'; key: string; tier: AgentPauseTier | null }> {
    const t = this.mustGet(key);
    const e = t.entry;
    if (e.status === 'paused_disk') {
      if (tier === 'ram')
        throw new AppError(
          'conflict',
          'Deployment is paused to disk; resume it before pausing it to RAM.',
        );
      return { status: 'paused', key, tier: 'disk' };
    }
    if (e.status === 'paused_ram' && tier !== 'disk') return { status: 'paused', key, tier: 'ram' };
    if (!e.warm || e.internal_port === null)
      throw new AppError(
        'conflict',
        'Deployment is not warm — redeploy on a warm-cache-enabled node first.',
      );
    if (e.pinned)
      throw new AppError(
        'conflict',
        'Deployment is pinned; pinned deployments are never paused. Unpin it first.',
      );
    if (e.status === 'paused_ram') {
      await this.demoteNow(t, false);
      return { status: 'paused', key, tier: 'disk' };
    }
    if (e.status !== 'running')
      throw new AppError('conflict', 'Only a running deployment can be paused.');
    const gpus = await this.ctx.deps.gpus.list();
    if (gpus.length > 0 && gpus.every((g) => g.unified)) {
      throw new AppError(
        'conflict',
        'This node has unified memory: pausing would free no GPU memory.',
      );
    }
    let to: AgentPauseTier = tier === 'disk' ? 'disk' : 'ram';
    const limit = this.ctx.policy.ram_cache_limit_mb;
    if (to === 'ram' && limit !== null) {
      const used = this.ctx.registry
        .active()
        .reduce((s, o) => s + (o.entry.pause_tier === 'ram' ? o.entry.paused_ram_mb : 0), 0);
      if (used + estimatePausedRamMb(e.gpu_ids, e.gpu_memory_fraction, planGpus(gpus)) > limit) {
        if (tier !== 'auto') throw new AppError('conflict', REASON_RAM_FULL);
        to = 'disk';
      }
    }
    const busy = t.proxy?.inflight ?? 0;
    if (busy > 0)
      throw new AppError(
        'conflict',
        `Deployment is serving ${busy} request(s); pause it when it is idle.`,
      );
    await this.pauseNow(t, false, gpus, to);
    return { status: 'paused', key, tier: to };
  }

  /**
   * Puts a running warm deployment to sleep — level 1 (weights to host RAM) or level 2 (weights
   * dropped, for the disk tier) — and checks that its VRAM was freed.
   */
  private async pauseNow(
    t: Tracked,
    evicted: boolean,
    known?: EngineGpu[],
    tier: AgentPauseTier = 'ram',
  ): Promise<void> {
    const e = t.entry;
    const port = e.internal_port;
    if (port === null)
      throw new AppError(
        'conflict',
        'Deployment is not warm — redeploy on a warm-cache-enabled node first.',
      );
    const before = known ?? (await this.ctx.deps.gpus.list());
    if (!transition(t, 'pause'))
      throw new AppError(
        'conflict',
        `Deployment is '${e.status}'; only a running deployment can be paused.`,
      );
    const done = (async () => {
      try {
        await sleepEngine(
          port,
          this.ctx.deps.timings.sleepTimeoutMs,
          tier === 'disk' ? 2 : 1,
          e.vllm_version,
        );
      } catch (err) {
        if (!transition(t, 'pause_failed')) throw new AppError('conflict', cutShort(t, 'paused'));
        if (tier === 'disk') t.diskRefused = true;
        throw new AppError('internal', `Failed to pause ${e.key}: ${errorMessage(err)}`);
      }
      if (!transition(t, tier === 'disk' ? 'paused_disk' : 'paused'))
        throw new AppError('conflict', cutShort(t, 'paused'));
      e.pause_tier = tier;
      e.paused_ram_mb =
        tier === 'ram'
          ? estimatePausedRamMb(e.gpu_ids, e.gpu_memory_fraction, planGpus(before))
          : 0;
      e.requests_running = 0;
      this.ctx.state.setTier(e.key, tier);
      const where = tier === 'disk' ? 'disk' : 'RAM';
      this.ctx.agentLine(
        t,
        evicted ? `Paused to ${where} to make room for another model.` : `Paused to ${where}.`,
      );
    })();
    await this.track(e.key, done);
    void checkSleepLeak(this.ctx, t, before);
  }

  /**
   * Moves a RAM-paused model to disk: `POST /sleep?level=2` on the sleeping engine drops the
   * weights it had offloaded, which frees their host RAM. A refusal leaves it paused to RAM and
   * marks it, so the planner stops it instead next time.
   */
  private async demoteNow(t: Tracked, evicted: boolean): Promise<void> {
    const e = t.entry;
    const port = e.internal_port;
    if (port === null || !transition(t, 'demote'))
      throw new AppError(
        'conflict',
        `Deployment is '${e.status}'; only a model paused to RAM can be moved to disk.`,
      );
    const done = (async () => {
      try {
        await sleepEngine(port, this.ctx.deps.timings.sleepTimeoutMs, 2, e.vllm_version);
      } catch (err) {
        if (!transition(t, 'demote_failed')) throw new AppError('conflict', cutShort(t, 'paused'));
        t.diskRefused = true;
        throw new AppError('internal', `Failed to move ${e.key} to disk: ${errorMessage(err)}`);
      }
      if (!transition(t, 'paused_disk')) throw new AppError('conflict', cutShort(t, 'paused'));
      e.pause_tier = 'disk';
      e.paused_ram_mb = 0;
      this.ctx.state.setTier(e.key, 'disk');
      this.ctx.agentLine(
        t,
        evicted
          ? 'Moved from RAM to disk to free host RAM for another model.'
          : 'Moved from RAM to disk.',
      );
    })();
    await this.track(e.key, done);
  }

  /** Runs a pause or demotion of `key` where a wake can wait for it. */
  private async track(key: string, done: Promise<void>): Promise<void> {
    this.pausing.set(key, done);
    try {
      await done;
    } finally {
      this.pausing.delete(key);
    }
  }

  /** Wakes a paused model (explicit resume, or the proxy's first generation request). Single flight per key. */
  ensureActive(key: string): Promise<void> {
    return this.wakes.run(key, () => this.wake(key));
  }

  private async wake(key: string): Promise<void> {
    const t = this.mustGet(key);
    const e = t.entry;
    await this.pausing.get(key)?.catch(() => undefined);
    // A stop that came while the pause ran leaves nothing to wake, and the caller must know.
    if (t.stopRequested) throw new AppError('unavailable', cutShort(t, 'woke'));
    if (!PAUSED.has(e.status) && e.pause_tier === null) return;
    if (e.pause_tier === null || e.internal_port === null)
      throw new AppError('conflict', `Deployment ${key} cannot be resumed from '${e.status}'.`);
    const port = e.internal_port;
    const tier = e.pause_tier;
    const { timings } = this.ctx.deps;
    const deadline =
      this.ctx.deps.clock.now() +
      this.ctx.policy.busy_guard_seconds * 1000 +
      timings.busyGuardSlackMs;
    const claim = () => {
      if (!transition(t, 'wake'))
        throw new AppError(
          'conflict',
          t.stopRequested
            ? cutShort(t, 'woke')
            : `Deployment is '${e.status}'; it can no longer be woken.`,
        );
      e.pause_tier = null;
      e.paused_ram_mb = 0;
    };
    for (;;) {
      try {
        await this.fit(t, true, claim);
        break;
      } catch (err) {
        // A neighbour inside its busy guard may become evictable: retry until the guard has passed.
        if (
          !(err instanceof AppError) ||
          err.code !== 'insufficient_storage' ||
          this.ctx.deps.clock.now() >= deadline
        )
          throw new AppError('unavailable', errorMessage(err));
        await delay(1000);
      }
    }
    try {
      await wakeEngine(port, timings.wakeTimeoutMs);
      // Level 2 dropped the weights: they come back from the model files (interfaces.md §1.7).
      if (tier === 'disk') await reloadWeights(port, timings.wakeTimeoutMs);
      await resetPrefixCache(port);
      const until = Date.now() + timings.wakeTimeoutMs;
      while ((await isSleeping(port)) !== false) {
        // A stopped server never wakes: no point polling it until the timeout.
        if (t.stopRequested || Date.now() >= until) throw new Error('still asleep');
        await delay(timings.isSleepingPollMs);
      }
    } catch {
      if (!transition(t, tier === 'disk' ? 'wake_failed_disk' : 'wake_failed'))
        throw new AppError('unavailable', cutShort(t, 'woke'));
      e.pause_tier = tier;
      e.paused_ram_mb =
        tier === 'ram'
          ? estimatePausedRamMb(
              e.gpu_ids,
              e.gpu_memory_fraction,
              planGpus(await this.ctx.deps.gpus.list()),
            )
          : 0;
      const reason = `Eviction succeeded but model failed to wake within ${Math.round(timings.wakeTimeoutMs / 1000)}s.`;
      this.ctx.agentLine(t, reason);
      throw new AppError('unavailable', reason);
    }
    if (!transition(t, 'woke')) throw new AppError('unavailable', cutShort(t, 'woke'));
    e.error_code = e.error_code === 'sleep_leak' ? null : e.error_code;
    t.lastActiveMs = this.ctx.deps.clock.now();
    e.last_active_at = this.ctx.nowIso();
    this.ctx.state.setTier(key, null);
    this.ctx.agentLine(t, tier === 'disk' ? 'Resumed from disk.' : 'Resumed from RAM.');
  }

  /** Starts the wake proxy of a warm deployment on its public port. */
  async attachProxy(t: Tracked): Promise<void> {
    const internal = t.entry.internal_port;
    if (!t.entry.warm || internal === null) return;
    const proxy = new WakeProxy({
      publicPort: t.entry.port,
      internalPort: internal,
      hooks: {
        ensureActive: () => this.ensureActive(t.entry.key),
        touch: () => {
          t.lastActiveMs = this.ctx.deps.clock.now();
          t.entry.last_active_at = this.ctx.nowIso();
        },
      },
    });
    await proxy.listen();
    t.proxy = proxy;
  }
}
