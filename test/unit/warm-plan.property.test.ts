import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PLAN_EPSILON,
  REASON_RAM_FULL,
  estimatePausedRamMb,
  planWarmEviction,
  type PlanDeployment,
  type PlanNodeState,
  type PlanRequest,
  type PlanStatus,
} from '../../src-main/shared/warm-plan.js';
import type { WarmPlan } from '../../src-main/shared/agent-protocol/deployments.js';

const NOW = 1_700_000_000_000;
const RESERVING = new Set<PlanStatus>(['starting', 'loading', 'running', 'waking']);

const gpusArb = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.tuple(
    ...Array.from({ length: n }, (_, index) =>
      fc.record({
        index: fc.constant(index),
        memory_total_mb: fc.option(fc.integer({ min: 16_000, max: 144_000 }), { freq: 8 }),
        unified: fc.constant(false),
      }),
    ),
  ),
);

const gpuIdsArb = (n: number) =>
  fc.option(fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: n }), {
    freq: 3,
  });

const fractionArb = fc.integer({ min: 1, max: 20 }).map((k) => k * 0.05);

function deploymentArb(n: number, i: number): fc.Arbitrary<PlanDeployment> {
  return fc
    .record({
      gpu_ids: gpuIdsArb(n),
      fraction: fractionArb,
      status: fc.constantFrom<PlanStatus>(
        'running',
        'running',
        'running',
        'loading',
        'starting',
        'stopped',
        'paused_ram',
        'paused_ram',
      ),
      warm_capable: fc.constantFrom(true, true, true, false),
      disk_capable: fc.constantFrom(true, true, false),
      pinned: fc.constantFrom(false, false, false, true),
      paused_ram_mb: fc.integer({ min: 1_000, max: 80_000 }),
      last_active_at: fc.option(fc.integer({ min: NOW - 3_600_000, max: NOW }), { freq: 6 }),
      requests_running: fc.constantFrom(0, 0, 0, 0, 0, 1, 3),
      live_container: fc.constantFrom(true, true, true, true, false),
    })
    .map((r) => ({
      key: `m${i}:${8000 + i}`,
      model_name: `m${i}`,
      ...r,
      pause_tier: r.status === 'paused_ram' ? ('ram' as const) : null,
      paused_ram_mb: r.status === 'paused_ram' ? r.paused_ram_mb : 0,
    }));
}

const scenarioArb = gpusArb.chain((gpus) =>
  fc.integer({ min: 0, max: 10 }).chain((count) =>
    fc
      .record({
        deployments: fc.tuple(
          ...Array.from({ length: count }, (_, i) => deploymentArb(gpus.length, i)),
        ),
        busy_guard_seconds: fc.constantFrom(0, 0, 30, 120),
        ram_cache_limit_mb: fc.option(fc.integer({ min: 10_000, max: 400_000 })),
        req_gpu_ids: gpuIdsArb(gpus.length),
        req_fraction: fractionArb,
        resume_index: fc.option(fc.nat()),
      })
      .map((s) => {
        const state: PlanNodeState = {
          gpus,
          deployments: s.deployments,
          busy_guard_seconds: s.busy_guard_seconds,
          now: NOW,
          ram_cache_limit_mb: s.ram_cache_limit_mb,
        };
        const paused = s.deployments.filter((d) => d.pause_tier === 'ram');
        const resumed =
          s.resume_index !== null && paused.length > 0
            ? paused[s.resume_index % paused.length]
            : undefined;
        const request: PlanRequest = resumed
          ? { key: resumed.key, gpu_ids: resumed.gpu_ids, fraction: resumed.fraction, resume: true }
          : { key: 'new:9000', gpu_ids: s.req_gpu_ids, fraction: s.req_fraction, resume: false };
        return { state, request };
      }),
  ),
);

// Tight budgets: the limit sits a random slack above what is already paused, so stops are common.
const ramScenarioArb = fc
  .tuple(scenarioArb, fc.integer({ min: 0, max: 120_000 }))
  .map(([{ state, request }, slack]) => {
    const paused = state.deployments.reduce(
      (s, d) => s + (d.pause_tier === 'ram' ? d.paused_ram_mb : 0),
      0,
    );
    return { state: { ...state, ram_cache_limit_mb: paused + slack }, request };
  });

const targetsOf = (state: PlanNodeState, req: PlanRequest) =>
  req.gpu_ids ?? state.gpus.filter((g) => !g.unified).map((g) => g.index);
const gpusOfDep = (state: PlanNodeState, d: PlanDeployment) =>
  d.gpu_ids ?? state.gpus.map((g) => g.index);

function reservedAfter(
  state: PlanNodeState,
  req: PlanRequest,
  paused: ReadonlySet<string>,
  gpu: number,
): number {
  return state.deployments
    .filter((d) => d.key !== req.key && d.pause_tier === null && d.status !== 'paused_ram')
    .filter((d) => d.live_container && RESERVING.has(d.status) && !paused.has(d.key))
    .filter((d) => gpusOfDep(state, d).includes(gpu))
    .reduce((s, d) => s + d.fraction, 0);
}

function eligible(state: PlanNodeState, req: PlanRequest, d: PlanDeployment): boolean {
  const guarded =
    state.busy_guard_seconds > 0 &&
    d.last_active_at !== null &&
    NOW - d.last_active_at < state.busy_guard_seconds * 1000;
  return (
    d.key !== req.key &&
    d.pause_tier === null &&
    d.status === 'running' &&
    d.live_container &&
    d.warm_capable &&
    !d.pinned &&
    d.requests_running === 0 &&
    !guarded
  );
}

const pausedKeys = (plan: WarmPlan) =>
  new Set(plan.plan.filter((p) => p.action === 'pause').map((p) => p.key));
const byKey = (state: PlanNodeState, key: string) => state.deployments.find((d) => d.key === key)!;
const runs = { numRuns: 1000 };

describe('planWarmEviction properties', () => {
  it('a fitting plan leaves no target GPU above 1.0 once its victims are paused', () => {
    fc.assert(
      fc.property(scenarioArb, ({ state, request }) => {
        const plan = planWarmEviction(state, request);
        if (!plan.fits) return;
        for (const g of targetsOf(state, request)) {
          expect(
            reservedAfter(state, request, pausedKeys(plan), g) + request.fraction,
          ).toBeLessThanOrEqual(1 + PLAN_EPSILON);
        }
      }),
      runs,
    );
  });

  it('never picks a pinned, busy, paused, non-running or cold victim, nor the requester, nor one twice', () => {
    fc.assert(
      fc.property(scenarioArb, ({ state, request }) => {
        const plan = planWarmEviction(state, request);
        expect(new Set(plan.plan.map((p) => p.key)).size).toBe(plan.plan.length);
        for (const item of plan.plan) {
          const d = byKey(state, item.key);
          expect(d.pinned).toBe(false);
          expect(d.key).not.toBe(request.key);
          if (item.action === 'pause') expect(eligible(state, request, d)).toBe(true);
          else expect(d.pause_tier).toBe('ram');
        }
      }),
      runs,
    );
  });

  it('pauses the least recently active eligible model first, then in LRU order', () => {
    fc.assert(
      fc.property(scenarioArb, ({ state, request }) => {
        const plan = planWarmEviction(state, request);
        const victims = plan.plan
          .filter((p) => p.action === 'pause')
          .map((p) => byKey(state, p.key));
        const at = (d: PlanDeployment) => d.last_active_at ?? -Infinity;
        for (let i = 1; i < victims.length; i++)
          expect(at(victims[i]!)).toBeGreaterThanOrEqual(at(victims[i - 1]!));
        const first = victims[0];
        if (first === undefined) return;
        const over = targetsOf(state, request).filter(
          (g) => reservedAfter(state, request, new Set(), g) + request.fraction > 1 + PLAN_EPSILON,
        );
        for (const d of state.deployments) {
          if (eligible(state, request, d) && gpusOfDep(state, d).some((g) => over.includes(g))) {
            expect(at(d)).toBeGreaterThanOrEqual(at(first));
          }
        }
      }),
      runs,
    );
  });

  it('keeps the RAM budget, freeing only unpinned paused models and only when the budget requires it', () => {
    fc.assert(
      fc.property(fc.oneof(scenarioArb, ramScenarioArb), ({ state, request }) => {
        const plan = planWarmEviction(state, request);
        const stops = plan.plan.filter((p) => p.action === 'stop' || p.action === 'demote');
        if (state.ram_cache_limit_mb === null) expect(stops).toEqual([]);
        for (const s of stops) {
          const d = byKey(state, s.key);
          expect(d.pause_tier === 'ram' && !d.pinned).toBe(true);
        }
        const victims = plan.plan.filter((p) => p.action === 'pause');
        if (state.ram_cache_limit_mb === null || victims.length === 0) return;
        const self = state.deployments.find((d) => d.key === request.key);
        let ram = state.deployments.reduce(
          (s, d) => s + (d.pause_tier === 'ram' ? d.paused_ram_mb : 0),
          0,
        );
        ram +=
          request.resume && self
            ? -self.paused_ram_mb
            : estimatePausedRamMb(request.gpu_ids, request.fraction, state.gpus);
        for (const s of stops) ram -= byKey(state, s.key).paused_ram_mb;
        for (const v of victims) {
          const d = byKey(state, v.key);
          ram += estimatePausedRamMb(d.gpu_ids, d.fraction, state.gpus);
        }
        expect(ram).toBeLessThanOrEqual(state.ram_cache_limit_mb);
      }),
      runs,
    );
  });

  it('demotes every disk-capable RAM-paused model (LRU first) before it stops any', () => {
    fc.assert(
      fc.property(ramScenarioArb, ({ state, request }) => {
        const plan = planWarmEviction(state, request);
        const freed = plan.plan.filter((p) => p.action !== 'pause');
        const firstStop = freed.findIndex((p) => p.action === 'stop');
        if (firstStop >= 0) {
          // Every unpinned RAM-paused model that could go to disk has gone there first.
          const demotable = state.deployments.filter(
            (d) =>
              d.key !== request.key &&
              d.pause_tier === 'ram' &&
              !d.pinned &&
              (d.disk_capable ?? d.warm_capable),
          );
          const demoted = new Set(freed.slice(0, firstStop).map((p) => p.key));
          for (const d of demotable) expect(demoted.has(d.key)).toBe(true);
        }
        const demotes = freed.filter((p) => p.action === 'demote').map((p) => byKey(state, p.key));
        for (let i = 1; i < demotes.length; i++)
          expect(demotes[i]!.last_active_at ?? -Infinity).toBeGreaterThanOrEqual(
            demotes[i - 1]!.last_active_at ?? -Infinity,
          );
        for (const p of freed) expect(p.tier).toBe(p.action === 'demote' ? 'disk' : 'ram');
      }),
      runs,
    );
  });

  it('refuses only when pausing every eligible model on the target GPUs still would not fit', () => {
    fc.assert(
      fc.property(scenarioArb, ({ state, request }) => {
        const plan = planWarmEviction(state, request);
        if (plan.fits || plan.reason === REASON_RAM_FULL) return;
        const targets = targetsOf(state, request);
        const all = new Set(
          state.deployments
            .filter(
              (d) =>
                eligible(state, request, d) && gpusOfDep(state, d).some((g) => targets.includes(g)),
            )
            .map((d) => d.key),
        );
        const stillOver = targets.some(
          (g) => reservedAfter(state, request, all, g) + request.fraction > 1 + PLAN_EPSILON,
        );
        expect(stillOver).toBe(true);
        expect(plan.over_gpus.length).toBeGreaterThan(0);
      }),
      runs,
    );
  });
});
