import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { placeGpus } from '../../src-main/deployments/placement.js';
import {
  aliasConflict,
  primaryAliases,
  servedName,
  suggestName,
} from '../../src-main/deployments/served-names.js';
import { foldUsage } from '../../src-main/deployments/usage-fold.js';
import { startFromManifest, toManifest } from '../../src-main/deployments/manifest.js';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import { AppError } from '../../src-main/shared/errors.js';

const gpus = (n: number) => Array.from({ length: n }, (_, index) => ({ index, memory_used_mb: 0 }));

describe('automatic GPU placement', () => {
  it('puts two single-GPU models on different GPUs', () => {
    const first = placeGpus(gpus(2), [], [], 1)!;
    expect(first).toEqual([0]);
    expect(placeGpus(gpus(2), [], [{ gpu_ids: first, fraction: 0.5 }], 1)).toEqual([1]);
  });
  it('never picks a cordoned GPU, and says null when too few remain', () => {
    expect(placeGpus(gpus(4), [0, 1], [], 2)).toEqual([2, 3]);
    expect(placeGpus(gpus(2), [1], [], 2)).toBeNull();
  });
  it('counts a deployment without gpu_ids on every GPU, and breaks ties by memory in use', () => {
    expect(
      placeGpus(
        gpus(2),
        [],
        [
          { gpu_ids: null, fraction: 0.3 },
          { gpu_ids: [0], fraction: 0.1 },
        ],
        1,
      ),
    ).toEqual([1]);
    expect(
      placeGpus(
        [
          { index: 0, memory_used_mb: 900 },
          { index: 1, memory_used_mb: 10 },
        ],
        [],
        [],
        1,
      ),
    ).toEqual([1]);
  });
  it('always returns `count` distinct, uncordoned, least-loaded GPUs (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 4 }),
        fc.array(
          fc.record({
            gpu: fc.integer({ min: 0, max: 7 }),
            fraction: fc.double({ min: 0.05, max: 1, noNaN: true }),
          }),
          { maxLength: 6 },
        ),
        fc.integer({ min: 1, max: 4 }),
        (n, cordonRaw, deps, count) => {
          const cordoned = cordonRaw.filter((g) => g < n);
          const placed = deps
            .filter((d) => d.gpu < n)
            .map((d) => ({ gpu_ids: [d.gpu], fraction: d.fraction }));
          const got = placeGpus(gpus(n), cordoned, placed, count);
          const free = gpus(n).filter((g) => !cordoned.includes(g.index));
          if (free.length < count) return got === null;
          if (!got || new Set(got).size !== count || got.some((g) => cordoned.includes(g)))
            return false;
          const load = (g: number) =>
            placed.filter((p) => p.gpu_ids.includes(g)).reduce((s, p) => s + p.fraction, 0);
          const worstChosen = Math.max(...got.map(load));
          return free.every((g) => got.includes(g.index) || load(g.index) >= worstChosen - 1e-9);
        },
      ),
    );
  });
});

describe('served names', () => {
  it('serves under served_model_name when set, else the model, plus every LoRA name', () => {
    expect(servedName('org/m', {})).toBe('org/m');
    expect(servedName('org/m', { served_model_name: ' chat ' })).toBe('chat');
    expect(primaryAliases('org/m', { served_model_name: 'chat' }, [{ name: 'sql' }])).toEqual([
      'chat',
      'sql',
    ]);
  });
  it('finds a clash with an active deployment and suggests a free name', () => {
    const owners = [{ id: 4, model_name: 'org/m', aliases: ['chat', 'sql'] }];
    expect(aliasConflict(['x', 'sql'], owners)).toEqual({ alias: 'sql', owner: owners[0] });
    expect(aliasConflict(['x'], owners)).toBeNull();
    expect(suggestName('chat', new Set(['chat', 'chat-2']))).toBe('chat-3');
  });
});

describe('usage folding', () => {
  const u = (p: number, g: number, r: number) => ({
    prompt_tokens: p,
    generation_tokens: g,
    requests: r,
  });
  it('adds the deltas against the last counters seen', () => {
    expect(foldUsage(u(10, 20, 1), u(15, 30, 3), false)).toEqual(u(5, 10, 2));
  });
  it('counts a counter that went down (a restarted engine) whole', () => {
    expect(foldUsage(u(100, 100, 10), u(5, 7, 1), false)).toEqual(u(5, 7, 1));
  });
  it('adds everything at first sight only when the totals are still zero (no double count after a restart)', () => {
    expect(foldUsage(null, u(5, 7, 1), true)).toEqual(u(5, 7, 1));
    expect(foldUsage(null, u(5, 7, 1), false)).toEqual(u(0, 0, 0));
  });
});

describe('manifests', () => {
  const d = {
    id: 3,
    node_id: 1,
    node_hostname: 'gpu-a',
    model_name: 'org/m',
    served_model_name: 'chat',
    port: 8001,
    gpu_memory_fraction: 0.4,
    gpu_ids: [1],
    tensor_parallel_size: 1,
    extra_args: ['--x'],
    env_vars: [{ key: 'HF_TOKEN' }],
    vllm_version: '0.11.0',
    extra_packages: [],
    engine_args: { served_model_name: 'chat', revision: 'abc', seed: 7 },
    lora_modules: [],
    max_failed_restarts: null,
    owner: 'ana',
    duration_seconds: 3600,
    pinned: false,
    container_runtime: 'docker',
    warm: true,
    status: 'running',
    detail: null,
    last_error: null,
    error_code: null,
    pause_tier: null,
    expires_at: null,
    image_digest: 'sha256:x',
    created_at: '2026-01-01T00:00:00Z',
    status_changed_at: null,
    total_prompt_tokens: 0,
    total_completion_tokens: 0,
    total_requests: 0,
    prompt_tps: null,
    generation_tps: null,
    prompt_throughput: null,
    generation_throughput: null,
    requests_running: null,
    requests_waiting: null,
    pull_percent: null,
  } satisfies DeploymentRead;

  it('carries env var keys only and round-trips into a start request', () => {
    const m = toManifest(d, ['NVIDIA H100 80GB']);
    expect(m).toMatchObject({
      manifest_version: 1,
      model: 'org/m',
      served_model_name: 'chat',
      revision: 'abc',
      seed: 7,
      env_var_keys: ['HF_TOKEN'],
      gpu: { ids: [1], memory_fraction: 0.4, names: ['NVIDIA H100 80GB'] },
    });
    expect(JSON.stringify(m)).not.toContain('value');
    const start = startFromManifest(m, {
      node_id: 2,
      port: 9001,
      owner: 'bo',
      env_vars: [{ key: 'HF_TOKEN', value: 'hf_secret' }],
      skip_resource_check: false,
    });
    expect(start).toMatchObject({
      node_id: 2,
      port: 9001,
      model_name: 'org/m',
      gpu_memory_fraction: 0.4,
      gpu_ids: [1],
      engine_args: { served_model_name: 'chat' },
      env_vars: [{ key: 'HF_TOKEN', value: 'hf_secret' }],
    });
  });

  it('answers 400 naming what is wrong with a manifest', () => {
    const bad = (manifest: Record<string, unknown>, env: { key: string; value: string }[] = []) => {
      try {
        startFromManifest(manifest, {
          node_id: 1,
          port: 1,
          owner: 'x',
          env_vars: env,
          skip_resource_check: false,
        });
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe('bad_request');
        return (err as AppError).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ manifest_version: 2, model: 'm', gpu: { memory_fraction: 0.5 } })).toMatch(
      /manifest_version/,
    );
    expect(bad({ manifest_version: 1, gpu: { memory_fraction: 0.5 } })).toMatch(/model/);
    expect(bad({ manifest_version: 1, model: 'm', gpu: { memory_fraction: 'half' } })).toMatch(
      /gpu\.memory_fraction/,
    );
    expect(
      bad({
        manifest_version: 1,
        model: 'm',
        gpu: { memory_fraction: 0.5 },
        env_var_keys: ['HF_TOKEN'],
      }),
    ).toMatch(/HF_TOKEN/);
  });
});
