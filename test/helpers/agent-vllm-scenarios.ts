// Scenarios of the agent acceptance suite about vLLM's real behaviour (issue 10): start-up failure
// classes, version-aware launches, CLI details and port sharing; run on each runtime like the rest.
import { expect } from 'vitest';
import type { StatusEntry } from '../../src-main/shared/agent-protocol/deployments.js';
import {
  type Deployments,
  type Session,
  call,
  entry,
  launchBody,
  statuses,
  untilStatus,
} from './agent-session.js';
import { freePort } from './engine-harness.js';
import { waitFor, waitForValue } from './wait.js';

/** Launches `model` on a fresh port and waits until it ends `error` with `code`; returns the entry. */
async function failsWith(
  s: Session,
  model: string,
  code: string,
  extra: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<StatusEntry> {
  const port = await freePort();
  const key = `${model}:${port}`;
  const res = await call(
    s,
    'POST',
    '/deployments/start',
    launchBody(
      model,
      port,
      { warm_offload: false, max_failed_restarts: 1, gpu_memory_fraction: 0.05, ...extra },
      env,
    ),
  );
  expect(res.status).toBe(200);
  s.keys.add(key);
  const failed = await waitForValue(
    async () => {
      const e = await entry(s, key);
      return e?.status === 'error' && e.container_id === null ? e : null;
    },
    60_000,
    `${model} to end in error`,
  );
  expect({ model, code: failed.error_code }).toEqual({ model, code });
  s.keys.delete(key);
  return failed;
}

/**
 * Start-up failures reach the operator as the right class with its advice: a missing repo without
 * HF_TOKEN (the Hub's 401) is "not found", not "gated"; the configuration faults each get theirs.
 */
export async function startupFailuresClassified(s: Session): Promise<void> {
  const lora = { lora_modules: [{ name: 'sql', path: 'org/sql-adapter' }] };
  const [notFound, gated, tooLong, lowFree, noAdapter, rank] = await Promise.all([
    failsWith(s, 'fault/not-found', 'model_not_found'),
    failsWith(s, 'fault/gated', 'hf_auth'),
    failsWith(s, 'fault/max-model-len', 'max_model_len_too_large', {
      engine_args: { max_model_len: 65536 },
    }),
    failsWith(s, 'fault/low-free-memory', 'gpu_memory_in_use'),
    failsWith(s, 'fault/lora-not-found', 'lora_not_found', lora),
    failsWith(s, 'fault/lora-rank', 'lora_rank_too_large', lora),
  ]);
  expect(notFound.error).toMatch(/not found on Hugging Face.*private repo.*HF_TOKEN/);
  expect(notFound.error).not.toMatch(/gated/);
  expect(gated.error).toMatch(/gated or private/);
  expect(tooLong.error).toMatch(/longer than the model supports/);
  expect(lowFree.error).toMatch(/Other processes already hold GPU memory/);
  expect(noAdapter.error).toMatch(/LoRA adapter could not be loaded/);
  expect(rank.error).toMatch(/--max-lora-rank/);
}

/**
 * A flag the target vLLM no longer accepts is refused at start with a 422 naming the version, after
 * the existing checks (a taken port still answers 409); the same flag is launched for a release
 * that has it, and the simulator then imitates that release.
 */
export async function versionAwareLaunch(s: Session, d: Deployments): Promise<void> {
  const port = await freePort();
  const current = await call(
    s,
    'POST',
    '/deployments/start',
    launchBody('Qwen/Qwen3-0.6B', port, { vllm_version: '0.29.0', engine_args: { swap_space: 4 } }),
  );
  expect(current.status).toBe(422);
  expect((current.body as { detail: string }).detail).toBe(
    'vLLM 0.29.0 does not accept --swap-space (removed in 0.18.0: drop it; the V1 engine never used CPU swap space).',
  );
  const tagged = await call(
    s,
    'POST',
    '/deployments/start',
    launchBody('Qwen/Qwen3-0.6B', port, { extra_args: ['--max-seq-len-to-capture=8192'] }),
  );
  expect(tagged.status).toBe(422);
  expect((tagged.body as { detail: string }).detail).toMatch(
    /^vLLM test \(taken as the newest line, [\d.]+\) does not accept --max-seq-len-to-capture \(removed in 0\.11\.0/,
  );
  // Nothing was started for either refusal.
  expect((await statuses(s)).some((e) => e.port === port)).toBe(false);
  // The existing checks come first: the cold deployment's port is taken.
  const taken = await call(
    s,
    'POST',
    '/deployments/start',
    launchBody('org/other-model', d.cold.port, {
      vllm_version: '0.29.0',
      engine_args: { swap_space: 4 },
    }),
  );
  expect(taken.status).toBe(409);
  // 0.11 still has --swap-space: it starts, and the simulator imitates 0.11.
  const old = await call(
    s,
    'POST',
    '/deployments/start',
    launchBody('Qwen/Qwen3-0.6B', port, {
      vllm_version: '0.11.0',
      warm_offload: false,
      gpu_memory_fraction: 0.05,
      engine_args: { swap_space: 4 },
    }),
  );
  expect(old).toMatchObject({ status: 200, body: { vllm_version: '0.11.0' } });
  const key = `Qwen/Qwen3-0.6B:${port}`;
  s.keys.add(key);
  await untilStatus(s, key, 'running');
  expect(await (await fetch(`http://127.0.0.1:${port}/version`)).json()).toEqual({
    version: '0.11.0',
  });
  // The log stream of a container may lag its status a little.
  const lines = await waitForValue(
    async () => {
      const r = await call(s, 'GET', `/deployments/logs?key=${encodeURIComponent(key)}&tail=2000`);
      const text = (r.body as { lines: string[] }).lines.join('\n');
      return text.includes('Application startup complete.') ? text : null;
    },
    15_000,
    'the 0.11 start-up lines in the log',
  );
  expect(lines).toContain('--swap-space 4');
  expect(lines).toContain('Starting vLLM API server 0 on');
  await call(s, 'POST', '/deployments/stop', { key });
  await untilStatus(s, key, 'stopped');
  s.keys.delete(key);
}

/**
 * CLI details reach vLLM intact: several `--api-key` values in extra_args all work and none shows in
 * the status or the log; a LoRA adapter whose path has a comma is loaded (sent in JSON form); and a
 * comma path given raw in extra_args fails as vLLM's argparse does, classified bad_args.
 */
export async function cliDetailsReachVllm(s: Session): Promise<void> {
  const port = await freePort();
  const model = 'org/cli-details';
  const key = `${model}:${port}`;
  const keys = ['first-api-key-0123', 'second-api-key-4567'];
  const res = await call(
    s,
    'POST',
    '/deployments/start',
    launchBody(model, port, {
      warm_offload: false,
      gpu_memory_fraction: 0.05,
      extra_args: ['--api-key', ...keys],
      lora_modules: [{ name: 'comma', path: 'org/adapter,v2' }],
    }),
  );
  expect(res.status).toBe(200);
  s.keys.add(key);
  await untilStatus(s, key, 'running');
  for (const k of keys) {
    const r = await fetch(`http://127.0.0.1:${port}/v1/models`, {
      headers: { authorization: `Bearer ${k}` },
    });
    expect(r.status).toBe(200);
    const cards = ((await r.json()) as { data: { id: string; root: string }[] }).data;
    expect(cards.find((c) => c.id === 'comma')?.root).toBe('org/adapter,v2');
  }
  expect((await fetch(`http://127.0.0.1:${port}/v1/models`)).status).toBe(401);
  const q = `key=${encodeURIComponent(key)}&tail=2000`;
  const text =
    JSON.stringify(await statuses(s)) +
    ((await call(s, 'GET', `/deployments/logs?${q}`)).body as { lines: string[] }).lines.join('\n');
  for (const k of keys) expect(text).not.toContain(k);
  await call(s, 'POST', '/deployments/stop', { key });
  await untilStatus(s, key, 'stopped');
  s.keys.delete(key);
  const raw = await failsWith(s, 'org/raw-comma', 'bad_args', {
    extra_args: ['--enable-lora', '--lora-modules', 'sql=/adapters/a,b'],
  });
  expect(raw.error).toMatch(/vLLM rejected its arguments/);
}

/**
 * vLLM binds with SO_REUSEPORT, so a second server on a port would not fail: the agent's own
 * reservation must refuse it. A deployment still loading (its server not bound yet, the bind check
 * passing) keeps its port against another launch; a server someone else runs on a port is found by
 * the bind check (409); and the engine itself would indeed have started there without an error.
 */
export async function portReservationIsTheGuard(s: Session): Promise<void> {
  const port = await freePort();
  const key = `org/slow-loader:${port}`;
  const first = await call(
    s,
    'POST',
    '/deployments/start',
    launchBody(
      'org/slow-loader',
      port,
      { warm_offload: false, gpu_memory_fraction: 0.05 },
      { AERIE_SIM_LOAD_S: '30' },
    ),
  );
  expect(first.status).toBe(200);
  s.keys.add(key);
  expect((await call(s, 'GET', `/ports/check?port=${port}`)).status).toBe(200);
  const second = await call(
    s,
    'POST',
    '/deployments/start',
    launchBody('org/intruder', port, { warm_offload: false, gpu_memory_fraction: 0.05 }),
  );
  expect(second).toEqual({
    status: 409,
    body: { detail: `Port ${port} is already in use on this node.` },
  });
  await call(s, 'POST', '/deployments/stop', { key });
  await untilStatus(s, key, 'stopped');
  s.keys.delete(key);
  // A vLLM started by hand: the agent's bind check refuses its port...
  const other = await freePort();
  const byHand = await s.adapter.startByHand(s.dataDir, other);
  try {
    await waitFor(
      async () =>
        (await fetch(`http://127.0.0.1:${other}/health`).catch(() => null))?.status === 200,
      15_000,
      'the hand-started server to serve',
    );
    const onTaken = await call(
      s,
      'POST',
      '/deployments/start',
      launchBody('org/intruder', other, { warm_offload: false, gpu_memory_fraction: 0.05 }),
    );
    expect(onTaken.status).toBe(409);
    // ...where a second vLLM would have started without an error (it shares the port).
    const sharer = await s.adapter.startByHand(s.dataDir, other);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      expect(await sharer.exists()).toBe(true);
    } finally {
      await sharer.cleanup();
    }
  } finally {
    await byHand.cleanup();
  }
}
