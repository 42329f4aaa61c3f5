import { describe, expect, it } from 'vitest';
import {
  ADVICE_NO_VICTIM,
  PLAIN_ADVICE,
  REASON_RAM_FULL,
  REASON_TOO_MANY,
  UNKNOWN_FOOTPRINT_MB,
  checkPlainFit,
  estimatePausedRamMb,
  planWarmEviction,
  unknownGpuIdsMessage,
  type PlanDeployment,
  type PlanNodeState,
  type PlanRequest,
} from '../../src-main/shared/warm-plan.js';

const NOW = 1_700_000_000_000;
const twoH100 = [
  { index: 0, memory_total_mb: 81559, unified: false },
  { index: 1, memory_total_mb: 81559, unified: false },
];

function dep(key: string, over: Partial<PlanDeployment> = {}): PlanDeployment {
  return {
    key,
    model_name: key,
    gpu_ids: [0],
    fraction: 0.4,
    status: 'running',
    warm_capable: true,
    pinned: false,
    pause_tier: null,
    paused_ram_mb: 0,
    last_active_at: NOW - 600_000,
    requests_running: 0,
    live_container: true,
    ...over,
  };
}

function node(deployments: PlanDeployment[], over: Partial<PlanNodeState> = {}): PlanNodeState {
  return {
    gpus: twoH100,
    deployments,
    busy_guard_seconds: 0,
    now: NOW,
    ram_cache_limit_mb: null,
    ...over,
  };
}

const req = (over: Partial<PlanRequest> = {}): PlanRequest => ({
  key: 'new:8000',
  gpu_ids: [0],
  fraction: 0.5,
  resume: false,
  ...over,
});

describe('planWarmEviction', () => {
  it('fits without a plan when the GPU has room', () => {
    const plan = planWarmEviction(node([dep('a', { fraction: 0.5 })]), req());
    expect(plan).toEqual({ fits: true, plan: [], over_gpus: [], reason: null });
  });

  it('treats 0.3 + 0.7 as exactly full, not over', () => {
    const plan = planWarmEviction(node([dep('a', { fraction: 0.3 })]), req({ fraction: 0.7 }));
    expect(plan.fits).toBe(true);
  });

  it('pauses the least recently active model first and stops once the request fits', () => {
    const state = node([
      dep('recent', { fraction: 0.3, last_active_at: NOW - 1000 }),
      dep('oldest', { fraction: 0.3, last_active_at: NOW - 900_000 }),
      dep('middle', { fraction: 0.3, last_active_at: NOW - 300_000 }),
    ]);
    const plan = planWarmEviction(state, req({ fraction: 0.5 }));
    expect(plan.fits).toBe(true);
    expect(plan.plan).toEqual([
      { key: 'oldest', model_name: 'oldest', action: 'pause', tier: 'ram' },
      { key: 'middle', model_name: 'middle', action: 'pause', tier: 'ram' },
    ]);
  });

  it('never picks models on GPUs that are not over-committed', () => {
    const state = node([
      dep('other-gpu', { gpu_ids: [1], fraction: 0.9 }),
      dep('here', { fraction: 0.9 }),
    ]);
    const plan = planWarmEviction(state, req());
    expect(plan.plan.map((p) => p.key)).toEqual(['here']);
  });

  it("reproduces the reference's message when every neighbour is pinned, busy or cold", () => {
    const state = node(
      [
        dep('m1', { fraction: 0.3, pinned: true }),
        dep('m2', { fraction: 0.3, last_active_at: NOW - 5_000 }),
        dep('m3', { fraction: 0.2, warm_capable: false }),
      ],
      { busy_guard_seconds: 60 },
    );
    const plan = planWarmEviction(state, req());
    expect(plan.fits).toBe(false);
    expect(plan.over_gpus).toEqual([0]);
    expect(plan.reason).toBe(
      'Cannot fit on GPU 0: GPU 0: 0.80 used + 0.50 requested = 1.30. ' +
        'Skipped: m1: pinned; m2: busy guard (60s); m3: not warm-capable. ' +
        ADVICE_NO_VICTIM,
    );
  });

  it('counts in-flight requests as busy even with no busy guard', () => {
    const plan = planWarmEviction(node([dep('m1', { fraction: 0.8, requests_running: 2 })]), req());
    expect(plan.fits).toBe(false);
    expect(plan.reason).toContain('m1: busy (2 running)');
  });

  it('says no warm-capable models exist when nothing occupies the GPU but the request is too big', () => {
    const plan = planWarmEviction(node([]), req({ fraction: 1.2 }));
    expect(plan.reason).toBe(
      `Cannot fit on GPU 0: GPU 0: 0.00 used + 1.20 requested = 1.20. No running warm-capable models found on those GPUs. ${ADVICE_NO_VICTIM}`,
    );
  });

  it('counts deployments without gpu_ids on every GPU and targets every non-unified GPU', () => {
    const state = node([dep('everywhere', { gpu_ids: null, fraction: 0.6 })]);
    const plan = planWarmEviction(state, req({ gpu_ids: null }));
    expect(plan.plan.map((p) => p.key)).toEqual(['everywhere']);
  });

  it('ignores loading, stopped and dead-container models when reserving', () => {
    const state = node([
      dep('dead', { fraction: 0.9, live_container: false }),
      dep('gone', { fraction: 0.9, status: 'stopped' }),
      dep('paused', { fraction: 0.9, pause_tier: 'ram', status: 'paused_ram', paused_ram_mb: 100 }),
    ]);
    expect(planWarmEviction(state, req()).fits).toBe(true);
  });

  it('refuses with the RAM-full reason when the budget cannot take the victim', () => {
    const state = node([dep('a', { fraction: 0.8 })], { ram_cache_limit_mb: 50_000 });
    const plan = planWarmEviction(state, req({ fraction: 0.5 }));
    // new request estimate 40780 + victim 65247 > 50000, and nothing paused can be stopped.
    expect(plan).toMatchObject({ fits: false, over_gpus: [0], reason: REASON_RAM_FULL });
  });

  const pausedRam = (key: string, last: number, over: Partial<PlanDeployment> = {}) =>
    dep(key, {
      status: 'paused_ram',
      pause_tier: 'ram',
      paused_ram_mb: 30_000,
      last_active_at: last,
      ...over,
    });

  it('demotes the least recently used unpinned RAM-paused model to disk to make RAM room, before pausing', () => {
    const state = node(
      [
        dep('a', { fraction: 0.6 }),
        pausedRam('old-pinned', NOW - 9e6, { pinned: true }),
        pausedRam('old', NOW - 8e6),
        pausedRam('newer', NOW - 1e6),
      ],
      { ram_cache_limit_mb: 160_000 },
    );
    // RAM: 90000 paused + 40780 request + 48935 victim = 179715 > 160000 → free one 30000 model.
    const plan = planWarmEviction(state, req({ fraction: 0.5, resume: false, key: 'new' }));
    expect(plan.fits).toBe(true);
    expect(plan.plan).toEqual([
      { key: 'old', model_name: 'old', action: 'demote', tier: 'disk' },
      { key: 'a', model_name: 'a', action: 'pause', tier: 'ram' },
    ]);
  });

  it('demotes in LRU order, as many as the budget needs, and stops none while one can go to disk', () => {
    const state = node(
      [
        dep('a', { fraction: 0.6 }),
        pausedRam('p3', NOW - 3e6),
        pausedRam('p1', NOW - 9e6),
        pausedRam('never', NOW, { last_active_at: null }),
        pausedRam('p2', NOW - 5e6),
      ],
      { ram_cache_limit_mb: 120_000 },
    );
    // RAM: 120000 paused + 40780 + 48935 = 209715 > 120000 → free 89715: three 30000 models.
    const plan = planWarmEviction(state, req({ key: 'new' }));
    expect(plan.fits).toBe(true);
    expect(plan.plan.map((p) => [p.key, p.action])).toEqual([
      ['never', 'demote'],
      ['p1', 'demote'],
      ['p2', 'demote'],
      ['a', 'pause'],
    ]);
  });

  it('stops a RAM-paused model only when no unpinned one can go to disk', () => {
    const state = node(
      [
        dep('a', { fraction: 0.6 }),
        // The oldest cannot sleep at level 2; the newer one can and goes to disk first.
        pausedRam('old-no-disk', NOW - 9e6, { disk_capable: false }),
        pausedRam('newer', NOW - 1e6),
      ],
      { ram_cache_limit_mb: 100_000 },
    );
    // RAM: 60000 + 40780 + 48935 = 149715 > 100000 → free 49715: both, the demotable one first.
    const plan = planWarmEviction(state, req({ key: 'new' }));
    expect(plan.fits).toBe(true);
    expect(plan.plan).toEqual([
      { key: 'newer', model_name: 'newer', action: 'demote', tier: 'disk' },
      { key: 'old-no-disk', model_name: 'old-no-disk', action: 'stop', tier: 'ram' },
      { key: 'a', model_name: 'a', action: 'pause', tier: 'ram' },
    ]);
  });

  it('counts disk-paused models as holding no RAM and never frees them again', () => {
    const state = node(
      [
        dep('a', { fraction: 0.6 }),
        dep('on-disk', { status: 'paused_disk', pause_tier: 'disk', paused_ram_mb: 0 }),
      ],
      { ram_cache_limit_mb: 100_000 },
    );
    // 0 + 40780 + 48935 ≤ 100000: the disk-paused model is left alone.
    const plan = planWarmEviction(state, req({ key: 'new' }));
    expect(plan.plan.map((p) => p.key)).toEqual(['a']);
  });

  it('frees the resuming model its own RAM share instead of adding a new estimate', () => {
    const me = dep('me', {
      status: 'paused_ram',
      pause_tier: 'ram',
      paused_ram_mb: 40_000,
      fraction: 0.5,
    });
    const state = node([me, dep('a', { fraction: 0.6 })], { ram_cache_limit_mb: 50_000 });
    const plan = planWarmEviction(state, req({ key: 'me', resume: true }));
    // 40000 − 40000 + 48935 (victim) ≤ 50000.
    expect(plan.fits).toBe(true);
    expect(plan.plan.map((p) => p.key)).toEqual(['a']);
  });

  it('gives up after 64 victims with the too-many reason', () => {
    const tiny = Array.from({ length: 70 }, (_, i) =>
      dep(`t${String(i).padStart(2, '0')}`, { fraction: 0.0145 }),
    );
    const plan = planWarmEviction(node(tiny), req({ fraction: 1 }));
    expect(plan.fits).toBe(false);
    expect(plan.plan).toHaveLength(64);
    expect(plan.reason).toBe(REASON_TOO_MANY);
  });
});

describe('estimatePausedRamMb', () => {
  it('multiplies the fraction by the memory of the GPUs used', () => {
    expect(estimatePausedRamMb([0, 1], 0.5, twoH100)).toBe(81559);
  });

  it('falls back to 8192 MB when a GPU has no known memory', () => {
    expect(estimatePausedRamMb([3], 0.5, twoH100)).toBe(UNKNOWN_FOOTPRINT_MB);
    expect(
      estimatePausedRamMb(null, 0.5, [{ index: 0, memory_total_mb: null, unified: false }]),
    ).toBe(UNKNOWN_FOOTPRINT_MB);
  });
});

describe('checkPlainFit', () => {
  const withUse = (used0: number, used1 = 0) => [
    { index: 0, memory_total_mb: 81559, unified: false, memory_used_mb: used0 },
    { index: 1, memory_total_mb: 81559, unified: false, memory_used_mb: used1 },
  ];

  it('fits when memory is free and reservations stay within 1.0', () => {
    expect(
      checkPlainFit({ gpus: withUse(30_000), deployments: [dep('a', { fraction: 0.3 })] }, req()),
    ).toEqual({
      fits: true,
      reason: null,
    });
  });

  it('names each GPU that lacks free memory or would be over-reserved, then the advice', () => {
    const state = {
      gpus: withUse(74_113, 60_000),
      deployments: [
        dep('a', { fraction: 0.9 }),
        dep('paused', { gpu_ids: [1], fraction: 0.7, status: 'paused_ram', pause_tier: 'ram' }),
      ],
    };
    const result = checkPlainFit(state, req({ gpu_ids: [0, 1], fraction: 0.4 }));
    expect(result.fits).toBe(false);
    expect(result.reason).toBe(
      'GPU 0: 7446 MB free, 32624 MB needed; GPU 0: 0.90 reserved + 0.40 requested = 1.30 > 1.0; ' +
        'GPU 1: 21559 MB free, 32624 MB needed; GPU 1: 0.70 reserved + 0.40 requested = 1.10 > 1.0. ' +
        PLAIN_ADVICE,
    );
  });

  it('ignores dead containers and checks every GPU when none are requested', () => {
    const state = {
      gpus: withUse(0, 0),
      deployments: [
        dep('dead', { gpu_ids: [1], fraction: 0.9, live_container: false }),
        dep('b', { gpu_ids: [1], fraction: 0.7 }),
      ],
    };
    expect(checkPlainFit(state, req({ gpu_ids: null, fraction: 0.4 })).reason).toMatch(
      /^GPU 1: 0.70 reserved/,
    );
  });

  it('is skipped on unified-memory-only nodes', () => {
    const gpus = [{ index: 0, memory_total_mb: 128_000, unified: true, memory_used_mb: 127_000 }];
    expect(checkPlainFit({ gpus, deployments: [dep('a', { fraction: 0.9 })] }, req()).fits).toBe(
      true,
    );
  });
});

describe('unknownGpuIdsMessage', () => {
  it('names ids the node does not have', () => {
    expect(unknownGpuIdsMessage([0, 2, 5], 2)).toBe(
      'Requested GPU id(s) [2, 5] not available; node has 2 GPU(s).',
    );
    expect(unknownGpuIdsMessage([1], 2)).toBeNull();
    expect(unknownGpuIdsMessage(null, 0)).toBeNull();
  });
});
