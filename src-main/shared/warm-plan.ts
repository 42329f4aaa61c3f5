// The warm-cache eviction planner (behaviour.md §3.4, DESIGN.md §12.6): a pure, read-only
// function of the node's state and one request. The agent executes the plan; the control plane
// shows it in the deploy dialog. Both must agree, so nothing here reads a clock or a socket.
import type { PlanItem, WarmPlan } from './agent-protocol/deployments.js';
import { PAUSED, RESERVES_VRAM, type AgentStatus } from './deployment-status.js';

/** Tolerance on the 1.0 per-GPU reservation ceiling, so 0.3 + 0.7 fits. */
export const PLAN_EPSILON = 1e-6;
/** RAM footprint assumed for a model whose GPUs' memory is unknown, in MB. */
export const UNKNOWN_FOOTPRINT_MB = 8192;
/** Upper bound on planning iterations; a request needing more victims is refused. */
export const MAX_PLAN_ITERATIONS = 64;

/** The planner sees agent statuses. */
export type PlanStatus = AgentStatus;

export interface PlanGpu {
  index: number;
  /** Null when the device reports none (e.g. a simulated or broken device). */
  memory_total_mb: number | null;
  /** Unified-memory devices (DGX Spark) free nothing by pausing; they never count as targets. */
  unified: boolean;
  /** Current use, for the plain check; null or absent when unknown. */
  memory_used_mb?: number | null;
}

export interface PlanDeployment {
  key: string;
  model_name: string;
  /** Null = all GPUs of the node. */
  gpu_ids: readonly number[] | null;
  fraction: number;
  status: PlanStatus;
  /** Launched warm (sleep mode on, internal port set). Only these can be paused. */
  warm_capable: boolean;
  pinned: boolean;
  pause_tier: 'ram' | 'disk' | null;
  paused_ram_mb: number;
  /**
   * Can sleep at level 2 (weights dropped), so a RAM-paused model can be demoted to disk instead
   * of stopped; absent = as warm-capable. False once the engine refused a level-2 sleep.
   */
  disk_capable?: boolean;
  /** Epoch milliseconds of the last generation request; null = never used. */
  last_active_at: number | null;
  requests_running: number;
  live_container: boolean;
}

export interface PlanNodeState {
  gpus: readonly PlanGpu[];
  deployments: readonly PlanDeployment[];
  busy_guard_seconds: number;
  /** Epoch milliseconds. */
  now: number;
  /** Null = unlimited. */
  ram_cache_limit_mb: number | null;
}

export interface PlanRequest {
  key: string;
  /** Null = all non-unified GPUs. */
  gpu_ids: readonly number[] | null;
  fraction: number;
  /** True when the requester is a paused model being resumed. */
  resume: boolean;
}

/** Reason texts of the planner, worded as the reference words them. */
export const ADVICE_NO_VICTIM =
  'Pin fewer models, stop one, lower the GPU memory fraction, or wait for the busy guard to expire.';
export const REASON_RAM_FULL =
  'GPU + RAM cache is full. Free space by resuming or stopping a paused model, raising the RAM cache limit, or reducing GPU memory fractions.';
export const REASON_TOO_MANY = 'Too many models to offload to fit this request.';
export const NO_CANDIDATES = 'No running warm-capable models found on those GPUs.';

function gpusOf(
  ids: readonly number[] | null,
  gpus: readonly PlanGpu[],
  nonUnifiedOnly: boolean,
): number[] {
  if (ids !== null) return [...ids];
  return gpus.filter((g) => !nonUnifiedOnly || !g.unified).map((g) => g.index);
}

/** RAM a model occupies once paused: fraction × the memory of the GPUs it uses, in MB. */
export function estimatePausedRamMb(
  gpuIds: readonly number[] | null,
  fraction: number,
  gpus: readonly PlanGpu[],
): number {
  const used = gpusOf(gpuIds, gpus, true);
  let total = 0;
  for (const id of used) {
    const gpu = gpus.find((g) => g.index === id);
    if (gpu?.memory_total_mb == null) return UNKNOWN_FOOTPRINT_MB;
    total += gpu.memory_total_mb;
  }
  return total > 0 ? Math.round(fraction * total) : UNKNOWN_FOOTPRINT_MB;
}

function isPaused(d: PlanDeployment): boolean {
  return d.pause_tier !== null || PAUSED.has(d.status);
}

/** Why a deployment is busy, or null when it may be paused now. */
function busyReason(d: PlanDeployment, state: PlanNodeState): string | null {
  if (d.requests_running > 0) return `busy (${d.requests_running} running)`;
  const guardMs = state.busy_guard_seconds * 1000;
  if (guardMs > 0 && d.last_active_at !== null && state.now - d.last_active_at < guardMs) {
    return `busy guard (${state.busy_guard_seconds}s)`;
  }
  return null;
}

/** Why a reserving deployment cannot be paused, or null when it is eligible. */
function ineligibleReason(d: PlanDeployment, state: PlanNodeState): string | null {
  if (d.pinned) return 'pinned';
  if (!d.warm_capable) return 'not warm-capable';
  if (d.status !== 'running') return d.status;
  return busyReason(d, state);
}

const fmt = (n: number) => n.toFixed(2);
const canDemote = (d: PlanDeployment) => d.disk_capable ?? d.warm_capable;
const lru = (a: PlanDeployment, b: PlanDeployment) =>
  (a.last_active_at ?? -Infinity) - (b.last_active_at ?? -Infinity) || a.key.localeCompare(b.key);

/**
 * Plans which warm models to pause so that `request` fits on its GPUs; when the RAM budget is
 * full, which RAM-paused unpinned models to demote to disk first (least recently used first), and
 * only after those, which to stop. Read-only; never throws.
 */
export function planWarmEviction(state: PlanNodeState, request: PlanRequest): WarmPlan {
  const targets = gpusOf(request.gpu_ids, state.gpus, true);
  const allGpus = state.gpus.map((g) => g.index);
  const onGpus = (d: PlanDeployment) => (d.gpu_ids === null ? allGpus : d.gpu_ids);

  const reserved = new Map<number, number>();
  for (const d of state.deployments) {
    if (d.key === request.key || isPaused(d) || !d.live_container || !RESERVES_VRAM.has(d.status))
      continue;
    for (const g of onGpus(d)) reserved.set(g, (reserved.get(g) ?? 0) + d.fraction);
  }

  let ramUsed = 0;
  for (const d of state.deployments) if (d.pause_tier === 'ram') ramUsed += d.paused_ram_mb;
  const self = state.deployments.find((d) => d.key === request.key);
  if (request.resume && self?.pause_tier === 'ram') ramUsed -= self.paused_ram_mb;
  else ramUsed += estimatePausedRamMb(request.gpu_ids, request.fraction, state.gpus);

  const plan: PlanItem[] = [];
  const chosen = new Set<string>([request.key]);
  // RAM room comes from RAM-paused unpinned models: demoted to disk (LRU first), and only when
  // none is left that can go to disk, stopped (LRU first).
  const reclaimable = state.deployments
    .filter((d) => d.pause_tier === 'ram' && !d.pinned && d.key !== request.key)
    .sort((a, b) => Number(canDemote(b)) - Number(canDemote(a)) || lru(a, b));

  for (let i = 0; i < MAX_PLAN_ITERATIONS; i++) {
    const over = targets.filter(
      (g) => (reserved.get(g) ?? 0) + request.fraction > 1 + PLAN_EPSILON,
    );
    if (over.length === 0) return { fits: true, plan, over_gpus: [], reason: null };

    const sharesOver = (d: PlanDeployment) => onGpus(d).some((g) => over.includes(g));
    const candidates = state.deployments.filter(
      (d) => !chosen.has(d.key) && !isPaused(d) && d.live_container && sharesOver(d),
    );
    const victim = candidates.filter((d) => ineligibleReason(d, state) === null).sort(lru)[0];
    if (victim === undefined) {
      return {
        fits: false,
        plan,
        over_gpus: over,
        reason: noVictimReason(over, reserved, request, candidates, state),
      };
    }

    const need = estimatePausedRamMb(victim.gpu_ids, victim.fraction, state.gpus);
    if (state.ram_cache_limit_mb !== null && ramUsed + need > state.ram_cache_limit_mb) {
      const freeable = reclaimable
        .filter((d) => !chosen.has(d.key))
        .reduce((s, d) => s + d.paused_ram_mb, 0);
      // Move nothing when even freeing every unpinned RAM-paused model would not make room.
      if (ramUsed - freeable + need > state.ram_cache_limit_mb) {
        return { fits: false, plan, over_gpus: over, reason: REASON_RAM_FULL };
      }
      for (const p of reclaimable) {
        if (ramUsed + need <= state.ram_cache_limit_mb) break;
        if (chosen.has(p.key)) continue;
        chosen.add(p.key);
        ramUsed -= p.paused_ram_mb;
        plan.push(
          canDemote(p)
            ? { key: p.key, model_name: p.model_name, action: 'demote', tier: 'disk' }
            : { key: p.key, model_name: p.model_name, action: 'stop', tier: 'ram' },
        );
      }
    }

    chosen.add(victim.key);
    ramUsed += need;
    for (const g of onGpus(victim)) reserved.set(g, (reserved.get(g) ?? 0) - victim.fraction);
    plan.push({ key: victim.key, model_name: victim.model_name, action: 'pause', tier: 'ram' });
  }
  const over = targets.filter((g) => (reserved.get(g) ?? 0) + request.fraction > 1 + PLAN_EPSILON);
  if (over.length === 0) return { fits: true, plan, over_gpus: [], reason: null };
  return { fits: false, plan, over_gpus: over, reason: REASON_TOO_MANY };
}

function noVictimReason(
  over: readonly number[],
  reserved: ReadonlyMap<number, number>,
  request: PlanRequest,
  candidates: readonly PlanDeployment[],
  state: PlanNodeState,
): string {
  const usage = over
    .map((g) => {
      const used = reserved.get(g) ?? 0;
      return `GPU ${g}: ${fmt(used)} used + ${fmt(request.fraction)} requested = ${fmt(used + request.fraction)}`;
    })
    .join('; ');
  const skipped = candidates
    .filter((d) => RESERVES_VRAM.has(d.status))
    .map((d) => `${d.model_name}: ${ineligibleReason(d, state) ?? 'unavailable'}`);
  const why = skipped.length > 0 ? `Skipped: ${skipped.join('; ')}.` : NO_CANDIDATES;
  return `Cannot fit on GPU ${over.join(', ')}: ${usage}. ${why} ${ADVICE_NO_VICTIM}`;
}

/** The advice that ends every plain-check refusal. */
export const PLAIN_ADVICE =
  'Lower the GPU memory fraction, choose different GPUs, stop another deployment, or pass skip_resource_check to override.';

/**
 * The plain resource check used when warm offload is off (behaviour.md §2.8): on each target GPU
 * the memory free now must cover fraction × total, and the fractions reserved by live
 * deployments plus this one must not exceed 1.0. Skipped (fits) on unified-memory-only nodes.
 */
export function checkPlainFit(
  state: Pick<PlanNodeState, 'gpus' | 'deployments'>,
  request: Pick<PlanRequest, 'key' | 'gpu_ids' | 'fraction'>,
): { fits: boolean; reason: string | null } {
  if (state.gpus.length > 0 && state.gpus.every((g) => g.unified))
    return { fits: true, reason: null };
  const targets = request.gpu_ids ?? state.gpus.map((g) => g.index);
  const problems: string[] = [];
  for (const index of targets) {
    const gpu = state.gpus.find((g) => g.index === index);
    const total = gpu?.memory_total_mb;
    if (gpu && !gpu.unified && total != null && gpu.memory_used_mb != null) {
      const free = total - gpu.memory_used_mb;
      const need = request.fraction * total;
      if (free < need)
        problems.push(`GPU ${index}: ${Math.round(free)} MB free, ${Math.round(need)} MB needed`);
    }
    const reserved = state.deployments
      // Every live container counts, paused ones too: they take their share back on resume.
      .filter((d) => d.key !== request.key && d.live_container)
      .filter((d) => d.gpu_ids === null || d.gpu_ids.includes(index))
      .reduce((sum, d) => sum + d.fraction, 0);
    if (reserved + request.fraction > 1 + PLAN_EPSILON) {
      problems.push(
        `GPU ${index}: ${fmt(reserved)} reserved + ${fmt(request.fraction)} requested = ${fmt(reserved + request.fraction)} > 1.0`,
      );
    }
  }
  if (problems.length === 0) return { fits: true, reason: null };
  return { fits: false, reason: `${problems.join('; ')}. ${PLAIN_ADVICE}` };
}

/** The 400 message naming requested GPU ids outside `0..count-1`; null when all exist. */
export function unknownGpuIdsMessage(
  gpuIds: readonly number[] | null,
  gpuCount: number,
): string | null {
  const bad = (gpuIds ?? []).filter((g) => !Number.isInteger(g) || g < 0 || g >= gpuCount);
  if (bad.length === 0) return null;
  return `Requested GPU id(s) [${bad.join(', ')}] not available; node has ${gpuCount} GPU(s).`;
}
