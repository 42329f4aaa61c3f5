import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineGpu } from '../../src-main/agent/engine/engine-deps.js';
import { type LaunchManifest } from '../../src-main/shared/agent-protocol/deployments.js';
import { deploymentLabels, parseDeploymentLabels } from '../../src-main/agent/engine/labels.js';
import { gpuIdsProblem, plainGpuCheck } from '../../src-main/agent/engine/launch-checks.js';
import { resolveAllowedPath } from '../../src-main/agent/files/model-paths.js';
import { lastPhase, phaseOfLine } from '../../src-main/agent/engine/phase-markers.js';
import { finishedLongEnough } from '../../src-main/agent/engine/registry.js';
import { entryFromManifest, newTracked } from '../../src-main/agent/engine/tracked-factory.js';
import { StateFile } from '../../src-main/agent/engine/state-file.js';
import { sleepFreedEnough } from '../../src-main/agent/engine/warm/sleep-leak.js';

const gpu = (
  index: number,
  total: number | null,
  used: number | null,
  unified = false,
): EngineGpu => ({
  index,
  memory_total_mb: total,
  memory_used_mb: used,
  unified,
});
const tmp = mkdtempSync(join(tmpdir(), 'engine-logic-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('plain GPU check (warm mode off)', () => {
  const gpus = [gpu(0, 80_000, 0), gpu(1, 80_000, 0)];

  it('accepts a request whose summed fractions stay at 1.0', () => {
    expect(
      plainGpuCheck(gpus, [{ gpu_ids: [0], fraction: 0.3 }], { gpu_ids: [0], fraction: 0.7 }),
    ).toBeNull();
  });

  it('refuses a request that would reserve more than 1.0, naming the GPU and the override', () => {
    const msg = plainGpuCheck(gpus, [{ gpu_ids: [0], fraction: 0.6 }], {
      gpu_ids: [0],
      fraction: 0.5,
    });
    expect(msg).toContain('GPU 0: 0.60 already reserved + 0.50 requested = 1.10 > 1.0');
    expect(msg).toMatch(/skip_resource_check to override\.$/);
  });

  it('counts a deployment without gpu_ids on every GPU', () => {
    expect(
      plainGpuCheck(gpus, [{ gpu_ids: null, fraction: 0.6 }], { gpu_ids: [1], fraction: 0.5 }),
    ).toContain('GPU 1');
  });

  it('refuses when the memory free right now is too small, even with no reservation', () => {
    const busy = [gpu(0, 80_000, 60_000)];
    expect(plainGpuCheck(busy, [], { gpu_ids: [0], fraction: 0.5 })).toContain(
      'GPU 0: 20000 MB free, 40000 MB needed',
    );
  });

  it('skips the check on unified-memory nodes', () => {
    expect(
      plainGpuCheck([gpu(0, 120_000, 119_000, true)], [{ gpu_ids: null, fraction: 0.9 }], {
        gpu_ids: null,
        fraction: 0.9,
      }),
    ).toBeNull();
  });

  it('names GPU ids outside the inventory', () => {
    expect(gpuIdsProblem([0, 2, 3], 2)).toBe(
      'Requested GPU id(s) [2, 3] not available; node has 2 GPU(s).',
    );
    expect(gpuIdsProblem([1], 2)).toBeNull();
    expect(gpuIdsProblem(null, 2)).toBeNull();
  });
});

describe('host model paths', () => {
  const allowed = join(tmp, 'models');
  mkdirSync(join(allowed, 'llama'), { recursive: true });
  mkdirSync(join(tmp, 'outside'), { recursive: true });
  symlinkSync(join(tmp, 'outside'), join(allowed, 'escape'));

  it('accepts a directory inside an allowed model dir', () => {
    expect(resolveAllowedPath(join(allowed, 'llama'), [allowed])).toBe(join(allowed, 'llama'));
  });

  it('refuses a path that escapes through .. or a symlink', () => {
    expect(() => resolveAllowedPath(join(allowed, '..', 'outside'), [allowed])).toThrow(
      /not inside an allowed model directory/,
    );
    expect(() => resolveAllowedPath(join(allowed, 'escape'), [allowed])).toThrow(
      /not inside an allowed model directory/,
    );
  });

  it('says when the path does not exist', () => {
    expect(() => resolveAllowedPath(join(allowed, 'nope'), [allowed])).toThrow(
      /does not exist on this node/,
    );
  });
});

describe('load phases from log lines', () => {
  it.each([
    ['Loading safetensors checkpoint shards:  40% Completed | 2/5', 'loading_weights'],
    [
      '(EngineCore_DP0 pid=214) INFO [monitor.py:34] torch.compile takes 19.42 s in total',
      'compiling',
    ],
    ['Capturing CUDA graphs (decode, FULL): 100%', 'compiling'],
    ['Downloading model-00001-of-00005.safetensors', 'downloading'],
    ['(APIServer pid=1) INFO:     Application startup complete.', 'ready'],
    ['(APIServer pid=1) INFO 10-31 [loggers.py:127] Engine 000: Avg prompt throughput', null],
  ])('%s → %s', (line, phase) => {
    expect(phaseOfLine(line)).toBe(phase);
  });
});

describe('the load phase of an adopted deployment', () => {
  it('is the latest marker of its stored log lines, skipping the agent’s own lines', () => {
    const lines = [
      '[2026-01-01 00:00:00] Downloading model-00001-of-00002.safetensors',
      '[2026-01-01 00:00:05] Loading safetensors checkpoint shards:   0% Completed | 0/2',
      '[2026-01-01 00:00:06] (APIServer pid=1) INFO [loggers.py:127] Engine 000: Avg prompt throughput',
      '[2026-01-01 00:00:07] [agent] Agent restarted; deployment adopted. Downloading nothing',
    ];
    expect(lastPhase(lines)).toBe('loading_weights');
    expect(lastPhase(lines.slice(0, 1))).toBe('downloading');
    expect(lastPhase([])).toBeNull();
  });
});

describe('container labels', () => {
  const manifest: LaunchManifest = {
    version: 1,
    owner: 'ana',
    duration_seconds: 3600,
    expires_at: null,
    extra_args: ['--max-num-batched-tokens', '4096'],
    env_var_keys: ['HF_TOKEN'],
    engine_args: { max_model_len: 4096 },
    lora_modules: [],
    extra_packages: [],
    gpu_memory_fraction: 0.5,
    gpu_ids: [0],
    tensor_parallel_size: null,
    max_failed_restarts: null,
    container_runtime: 'docker',
    warm: true,
    pinned: false,
    internal_port: 41007,
  };

  it('round-trips the launch manifest through the labels', () => {
    const labels = deploymentLabels('Qwen/Qwen3-8B:8001', 8001, '0.11.0', 'docker', manifest);
    expect(labels['aerie.managed']).toBe('true');
    expect(parseDeploymentLabels(labels)).toEqual({
      key: 'Qwen/Qwen3-8B:8001',
      port: 8001,
      version: '0.11.0',
      manifest,
    });
  });

  it('ignores containers whose labels are not ours or are damaged', () => {
    expect(parseDeploymentLabels({ 'aerie.key': 'm:1' })).toBeNull();
    const labels = deploymentLabels('m:1', 1, 'v', 'docker', manifest);
    expect(parseDeploymentLabels({ ...labels, 'aerie.launch': '{not json' })).toBeNull();
  });
});

describe('agent state file', () => {
  it('is written with mode 0600 and read back by a new instance', () => {
    const dir = join(tmp, 'state', 'state.json');
    const a = new StateFile(dir);
    a.update((s) => {
      s.env['m:1'] = { HF_TOKEN: 'hf_x' };
    });
    expect(statSync(a.path).mode & 0o777).toBe(0o600);
    expect(new StateFile(dir).envFor('m:1')).toEqual({ HF_TOKEN: 'hf_x' });
    a.forget('m:1');
    expect(new StateFile(dir).envFor('m:1')).toEqual({});
  });

  it('keeps readiness, pins and secret flag values of a run, and a new run starts without them', () => {
    const dir = join(tmp, 'state-run', 'state.json');
    const a = new StateFile(dir);
    a.startRun('m:2', { HF_TOKEN: 'hf_y' }, ['sk-secret-flag']);
    a.markReady('m:2');
    a.update((s) => {
      s.pins['m:2'] = true;
    });
    const b = new StateFile(dir);
    expect([b.wasReady('m:2'), b.pinOf('m:2'), b.argSecretsOf('m:2')]).toEqual([
      true,
      true,
      ['sk-secret-flag'],
    ]);
    b.startRun('m:2', {}, []);
    expect([b.wasReady('m:2'), b.pinOf('m:2'), b.argSecretsOf('m:2')]).toEqual([
      false,
      undefined,
      [],
    ]);
  });
});

describe('finished entries in the status list', () => {
  const manifest: LaunchManifest = {
    version: 1,
    owner: null,
    duration_seconds: null,
    expires_at: null,
    extra_args: [],
    env_var_keys: [],
    engine_args: {},
    lora_modules: [],
    extra_packages: [],
    gpu_memory_fraction: 0.5,
    gpu_ids: [0],
    tensor_parallel_size: null,
    max_failed_restarts: null,
    container_runtime: 'process',
    warm: false,
    pinned: false,
    internal_port: null,
  };
  const tracked = (status: 'stopped' | 'expired' | 'error', finishedAt: number | null) => {
    const t = newTracked(
      entryFromManifest('m:1', 1, manifest, {
        status,
        phase: null,
        vllm_version: null,
        image: null,
        image_digest: null,
        container_id: null,
        container_runtime: 'process',
        expires_at: null,
      }),
      {},
      null,
    );
    t.finishedAt = finishedAt;
    return t;
  };
  const r = { finishedSeenMs: 30_000, finishedRetentionMs: 600_000 };

  it('go once a poll reported them a while ago, or after the retention when nobody polls', () => {
    const t = tracked('stopped', 1000);
    expect(finishedLongEnough(t, 1000 + 599_999, r)).toBe(false);
    expect(finishedLongEnough(t, 1000 + 600_000, r)).toBe(true);
    t.reportedAt = 5000;
    expect(finishedLongEnough(t, 5000 + 29_999, r)).toBe(false);
    expect(finishedLongEnough(t, 5000 + 30_000, r)).toBe(true);
    expect(finishedLongEnough(tracked('expired', 0), 600_000, r)).toBe(true);
  });

  it('never drops a given-up error entry: its error is what the operator must see', () => {
    const t = tracked('error', 0);
    t.reportedAt = 0;
    expect(finishedLongEnough(t, 10 * 600_000, r)).toBe(false);
  });
});

describe('sleep leak detection', () => {
  const before = [gpu(0, 80_000, 70_000), gpu(1, 80_000, 10_000)];
  it('accepts a sleep that freed at least half of the share', () => {
    expect(
      sleepFreedEnough(before, [gpu(0, 80_000, 50_000), gpu(1, 80_000, 10_000)], [0], 0.5),
    ).toBe(true);
  });
  it('flags a sleep that freed less than half of the share', () => {
    expect(
      sleepFreedEnough(before, [gpu(0, 80_000, 65_000), gpu(1, 80_000, 10_000)], [0], 0.5),
    ).toBe(false);
  });
});
