// The scenarios of the agent acceptance suite (agent issue, item 10), written once and run against
// each runtime: the real `aerie agent` process, driven only through its HTTP API, with a small
// runtime adapter for what must be looked at from outside the agent (containers, hand-made servers).
// The warm-cache and restart scenarios are in agent-warm-scenarios.ts.
import { expect } from 'vitest';
import {
  type Deployments,
  type Session,
  SECRET,
  call,
  chat,
  entry,
  launchBody,
  statuses,
  untilStatus,
} from './agent-session.js';
import type { StatusEntry } from '../../src-main/shared/agent-protocol/deployments.js';
import { freePort } from './engine-harness.js';
import { waitFor, waitForValue } from './wait.js';

export type { Deployments, HandStarted, RuntimeAdapter, Session } from './agent-session.js';
export { closeSession, openSession, pickDeployments } from './agent-session.js';
export {
  busyPauseRefusedOn011,
  generationWakesPausedModel,
  restartAdoptsRunning,
  warmPauseAndResume,
} from './agent-warm-scenarios.js';

/** Deploy → loading with load phases → running, with the image of the literal `test` tag. */
export async function deployReachesRunning(s: Session, d: Deployments): Promise<void> {
  const res = await call(
    s,
    'POST',
    '/deployments/start',
    launchBody(d.cold.model, d.cold.port, {}, { HF_TOKEN: SECRET, AERIE_SIM_LOAD_S: '1.5' }),
  );
  expect(res).toMatchObject({
    status: 200,
    body: { status: 'started', key: d.cold.key, vllm_version: 'test' },
  });
  s.keys.add(d.cold.key);
  const phases = new Set<string>();
  const running = await waitForValue(
    async () => {
      const e = await entry(s, d.cold.key);
      if (e?.phase) phases.add(e.phase);
      return e?.status === 'running' ? e : null;
    },
    30_000,
    'the cold deployment to run',
  );
  expect(
    [...phases].filter((p) => ['downloading', 'loading_weights', 'compiling'].includes(p)).length,
  ).toBeGreaterThan(0);
  expect(running).toMatchObject({
    phase: 'ready',
    image: s.adapter.image,
    container_runtime: s.adapter.runtime,
    warm: false,
  });
  expect(running.container_id).toBeTruthy();
  expect(await s.adapter.containerExists(running.container_id ?? '')).toBe(true);
  expect(JSON.stringify(await statuses(s))).not.toContain(SECRET);
  // Its simulated GPU process is a host PID inside the deployment's process tree, so it is tracked.
  const procs = (await call(s, 'GET', '/gpu-processes')).body as {
    pid: number;
    tracked: boolean;
    key: string | null;
  }[];
  expect(procs.filter((p) => p.key === d.cold.key).length).toBeGreaterThan(0);
  expect(procs.every((p) => p.tracked)).toBe(true);
}

/** The official openai client gets a chat completion on the deployment's own port. */
export async function chatThroughDeploymentPort(_s: Session, d: Deployments): Promise<void> {
  expect((await chat(d.cold.port, d.cold.model)).length).toBeGreaterThan(0);
}

/** Tail and download hold vLLM's start-up lines and `/v1` access lines, never `/health` probes. */
export async function logsKeepStartupAndDropHealth(s: Session, d: Deployments): Promise<void> {
  await fetch(`http://127.0.0.1:${d.cold.port}/health`);
  await fetch(`http://127.0.0.1:${d.cold.port}/v1/models`);
  const q = `key=${encodeURIComponent(d.cold.key)}`;
  const lines = await waitForValue(
    async () => {
      const r = (await call(s, 'GET', `/deployments/logs?${q}&tail=2000`)).body as {
        lines: string[];
      };
      return r.lines.some((l) => l.includes('GET /v1/models')) ? r.lines : null;
    },
    15_000,
    'the /v1/models access line in the log',
  );
  const text = lines.join('\n');
  expect(text).toContain('Application startup complete');
  expect(text).toMatch(/Loading weights|checkpoint shards/);
  expect(text).toMatch(
    /\[agent\] Launching localhost\/aerie-vllm-sim:test|\[agent\] Launching .*--model Qwen\/Qwen3-0.6B/,
  );
  expect(text).not.toMatch(/"GET \/health/);
  expect(text).not.toContain(SECRET);
  const dl = await fetch(`${s.agent.url}/deployments/logs/download?${q}`, {
    headers: s.agent.auth(),
  });
  expect(dl.status).toBe(200);
  expect(dl.headers.get('content-disposition')).toMatch(/attachment; filename=".+\.log"/);
  const full = await dl.text();
  expect(full).toContain('Application startup complete');
  expect(full).toContain('GET /v1/models');
  expect(full).not.toMatch(/"GET \/health/);
}

/**
 * Stop: `stopping` at once, then `stopped`, the container gone from the runtime and the port free;
 * the log keeps vLLM's shutdown lines (the stream ends after the container) and stays readable.
 */
export async function stopRemovesContainer(s: Session, d: Deployments): Promise<void> {
  const id = (await entry(s, d.cold.key))?.container_id ?? '';
  expect((await call(s, 'POST', '/deployments/stop', { key: d.cold.key })).body).toEqual({
    status: 'stopping',
    key: d.cold.key,
  });
  await untilStatus(s, d.cold.key, 'stopped');
  s.keys.delete(d.cold.key);
  expect(await s.adapter.containerExists(id)).toBe(false);
  expect((await call(s, 'GET', `/ports/check?port=${d.cold.port}`)).body).toEqual({
    available: true,
  });
  expect(
    ((await call(s, 'GET', '/deployments')).body as { running: string[] }).running,
  ).not.toContain(d.cold.key);
  const q = `key=${encodeURIComponent(d.cold.key)}`;
  const logs = await call(s, 'GET', `/deployments/logs?${q}&tail=2000`);
  expect(logs.status).toBe(200);
  const lines = (logs.body as { lines: string[] }).lines;
  const shutdown = lines.findIndex((l) => l.includes('Application shutdown complete.'));
  expect(shutdown).toBeGreaterThan(-1);
  expect(lines.findIndex((l) => l.includes('[agent] Deployment stopped.'))).toBeGreaterThan(
    shutdown,
  );
  const dl = await fetch(`${s.agent.url}/deployments/logs/download?${q}`, {
    headers: s.agent.auth(),
  });
  expect(dl.status).toBe(200);
  expect(await dl.text()).toContain('Application shutdown complete.');
}

/** A simulator started by hand is listed untracked, and the agent's clean-up route removes it. */
export async function handStartedIsRogue(s: Session): Promise<void> {
  const port = await freePort();
  const rogue = await s.adapter.startByHand(s.dataDir, port);
  try {
    // Serving, as a server someone left behind would be (and past installing its signal handlers).
    await waitFor(
      async () =>
        (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.status === 200,
      15_000,
      'the hand-started server to serve',
    );
    if (rogue.kind === 'container') {
      const listed = await waitForValue(
        async () => {
          const list = (await call(s, 'GET', '/containers')).body as {
            id: string;
            tracked: boolean;
            managed: boolean;
          }[];
          return list.find((c) => rogue.id.startsWith(c.id));
        },
        15_000,
        'the hand-started container in GET /containers',
      );
      expect(listed).toMatchObject({ tracked: false, managed: false });
      expect((await call(s, 'POST', `/containers/${listed.id}/stop`)).status).toBe(200);
    } else {
      const listed = await waitForValue(
        async () => {
          const list = (await call(s, 'GET', '/gpu-processes')).body as {
            pid: number;
            tracked: boolean;
            key: string | null;
          }[];
          return list.find((p) => String(p.pid) === rogue.id);
        },
        15_000,
        'the hand-started simulator in GET /gpu-processes',
      );
      expect(listed).toMatchObject({ tracked: false, key: null });
      expect((await call(s, 'POST', `/gpu-processes/${rogue.id}/kill`)).status).toBe(200);
    }
    await waitFor(
      async () => !(await rogue.exists()),
      15_000,
      'the hand-started server to be gone',
    );
  } finally {
    await rogue.cleanup();
  }
}

/** `fault/gpu-oom` ends `error` with `gpu_oom` after its restarts, its container removed by the breaker. */
export async function gpuOomTripsBreaker(s: Session): Promise<void> {
  const port = await freePort();
  const key = `fault/gpu-oom:${port}`;
  const res = await call(
    s,
    'POST',
    '/deployments/start',
    launchBody('fault/gpu-oom', port, {
      warm_offload: false,
      max_failed_restarts: 2,
      gpu_memory_fraction: 0.2,
    }),
  );
  expect(res.status).toBe(200);
  s.keys.add(key);
  let id: string | null = null;
  const failed = await waitForValue(
    async () => {
      const e = await entry(s, key);
      id ??= e?.container_id ?? null;
      return e?.error?.includes('failed starts') && e.container_id === null ? e : null;
    },
    60_000,
    'the breaker to stop fault/gpu-oom',
  );
  expect(failed).toMatchObject({ status: 'error', error_code: 'gpu_oom' });
  expect(failed.error).toMatch(/out of memory|OOM/i);
  expect(failed.error).toContain('(Stopped after 2 failed starts without becoming ready.)');
  expect(id).not.toBeNull();
  await waitFor(
    async () => !(await s.adapter.containerExists(id ?? '')),
    15_000,
    'the breaker to remove the container',
  );
  const log = (
    (await call(s, 'GET', `/deployments/logs?key=${encodeURIComponent(key)}`)).body as {
      lines: string[];
    }
  ).lines.join('\n');
  expect(log).toMatch(/\[(podman|docker)\] Container restarted|\[agent\] Container restarted/);
  expect(log).toContain('Probable cause:');
  s.keys.delete(key);
}

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
