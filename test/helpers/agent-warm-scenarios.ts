// Warm-cache and agent-restart scenarios of the agent acceptance suite (see agent-scenarios.ts).
import { expect } from 'vitest';
import {
  type Deployments,
  type Session,
  SECRET,
  call,
  chat,
  entry,
  gpuUsedMb,
  launchAgent,
  launchBody,
  statuses,
  untilStatus,
} from './agent-session.js';
import { freePort } from './engine-harness.js';
import { waitFor, waitForValue } from './wait.js';

/** A warm deployment pauses (GPU memory released) and resumes (claimed again). */
export async function warmPauseAndResume(s: Session, d: Deployments): Promise<void> {
  expect(
    (await call(s, 'POST', '/config', { warm_offload_enabled: true, busy_guard_seconds: 0 }))
      .status,
  ).toBe(200);
  const before = await gpuUsedMb(s);
  const res = await call(
    s,
    'POST',
    '/deployments/start',
    launchBody(d.warm.model, d.warm.port, { warm_offload: true }, { HF_TOKEN: SECRET }),
  );
  expect(res).toMatchObject({ status: 200, body: { status: 'started', key: d.warm.key } });
  s.keys.add(d.warm.key);
  const running = await untilStatus(s, d.warm.key, 'running');
  expect(running.warm).toBe(true);
  expect(running.internal_port).toBeGreaterThanOrEqual(41000);
  // The simulator reports its memory through its state file, also from inside a container.
  const awake = await waitForValue(
    async () => ((await gpuUsedMb(s)) > before ? gpuUsedMb(s) : null),
    10_000,
    'GPU memory of the warm model',
  );
  expect((await call(s, 'POST', '/deployments/pause', { key: d.warm.key })).status).toBe(200);
  const paused = await untilStatus(s, d.warm.key, 'paused_ram');
  expect(paused.pause_tier).toBe('ram');
  expect(paused.paused_ram_mb).toBeGreaterThan(0);
  await waitFor(
    async () => (await gpuUsedMb(s)) < awake,
    10_000,
    'GPU memory released by the pause',
  );
  expect((await call(s, 'POST', '/deployments/resume', { key: d.warm.key })).body).toEqual({
    status: 'running',
    key: d.warm.key,
  });
  await untilStatus(s, d.warm.key, 'running');
  await waitFor(async () => (await gpuUsedMb(s)) >= awake, 10_000, 'GPU memory claimed again');
}

/** A generation request through the wake proxy wakes a paused model and is answered. */
export async function generationWakesPausedModel(s: Session, d: Deployments): Promise<void> {
  expect((await call(s, 'POST', '/deployments/pause', { key: d.warm.key })).status).toBe(200);
  await untilStatus(s, d.warm.key, 'paused_ram');
  // Non-generation calls pass straight through to the sleeping server.
  expect((await fetch(`http://127.0.0.1:${d.warm.port}/v1/models`)).status).toBe(200);
  expect((await entry(s, d.warm.key))?.status).toBe('paused_ram');
  expect((await chat(d.warm.port, d.warm.model)).length).toBeGreaterThan(0);
  const e = await entry(s, d.warm.key);
  expect(e).toMatchObject({ status: 'running', pause_tier: null });
  expect(e?.last_active_at).toBeTruthy();
}

/** SIGTERM, start again on the same data dir: the running deployment is adopted once, env restored. */
export async function restartAdoptsRunning(s: Session, d: Deployments): Promise<void> {
  const before = await entry(s, d.warm.key);
  expect(before?.status).toBe('running');
  expect(await s.agent.stop()).toBe(0);
  // The server keeps serving while no agent runs.
  expect((await fetch(`http://127.0.0.1:${before?.internal_port ?? 0}/health`)).status).toBe(200);
  s.agent = await launchAgent(s);
  const all = await statuses(s);
  expect(all.filter((e) => e.key === d.warm.key)).toHaveLength(1);
  const adopted = await untilStatus(s, d.warm.key, 'running');
  expect(adopted).toMatchObject({
    container_id: before?.container_id,
    image: before?.image,
    internal_port: before?.internal_port,
    warm: true,
    container_runtime: s.adapter.runtime,
  });
  expect(adopted.launch_manifest.env_var_keys).toContain('HF_TOKEN');
  expect((await chat(d.warm.port, d.warm.model)).length).toBeGreaterThan(0);
  // The restored env is what scrubs a secret that reaches the log (here: in a request line).
  // The probe is re-sent while polling: the check is about scrubbing, not about one line's timing.
  const q = `key=${encodeURIComponent(d.warm.key)}&tail=2000`;
  let probedAt = 0;
  const lines = await waitForValue(
    async () => {
      if (Date.now() - probedAt > 1_000) {
        probedAt = Date.now();
        await fetch(`http://127.0.0.1:${d.warm.port}/v1/models?probe=${SECRET}`);
      }
      const r = (await call(s, 'GET', `/deployments/logs?${q}`)).body as { lines: string[] };
      return r.lines.some((l) => l.includes('probe=')) ? r.lines : null;
    },
    30_000,
    'the probe request line in the log',
  );
  expect(lines.join('\n')).toContain('Agent restarted; deployment adopted.');
  expect(lines.find((l) => l.includes('probe='))).not.toContain(SECRET);
  expect(((await call(s, 'GET', '/deployments')).body as { running: string[] }).running).toEqual([
    d.warm.key,
  ]);
}

/** A streaming chat that keeps generating for a while; resolves with the whole SSE body. */
function longStream(port: number, model: string): Promise<string> {
  return fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      messages: [{ role: 'user', content: 'a long answer please' }],
      max_tokens: 60,
      ignore_eos: true,
      stream: true,
    }),
  }).then((r) => r.text());
}

/**
 * The agent refuses to pause a busy model, and what it spares it is real: on 0.11 a sleep with a
 * request in flight answers 200 and then kills the engine, the request failing with it.
 */
export async function busyPauseRefusedOn011(s: Session): Promise<void> {
  const port = await freePort();
  const model = 'org/busy-0.11';
  const key = `${model}:${port}`;
  expect(
    (await call(s, 'POST', '/config', { warm_offload_enabled: true, busy_guard_seconds: 0 }))
      .status,
  ).toBe(200);
  const res = await call(
    s,
    'POST',
    '/deployments/start',
    launchBody(
      model,
      port,
      { warm_offload: true, vllm_version: '0.11.0', gpu_memory_fraction: 0.05 },
      { AERIE_SIM_TOKENS_PER_S: '40', AERIE_SIM_TTFT_MS: '1' },
    ),
  );
  expect(res.status).toBe(200);
  s.keys.add(key);
  const running = await untilStatus(s, key, 'running');
  const internal = running.internal_port ?? 0;
  const spared = longStream(port, model);
  await waitFor(
    async () => ((await entry(s, key))?.status === 'running' ? await inFlight(internal) : false),
    10_000,
    'the request to run',
  );
  const refused = await call(s, 'POST', '/deployments/pause', { key });
  expect(refused).toEqual({
    status: 409,
    body: { detail: 'Deployment is serving 1 request(s); pause it when it is idle.' },
  });
  expect(await spared).toContain('"finish_reason":"length"');
  expect((await entry(s, key))?.status).toBe('running');
  // The consequence, without the agent: 0.11 answers the sleep, then its engine dies.
  const victim = longStream(port, model);
  await waitFor(() => inFlight(internal), 10_000, 'the second request to run');
  const slept = await fetch(`http://127.0.0.1:${internal}/sleep?level=1`, { method: 'POST' });
  expect(slept.status).toBe(200);
  expect(await victim).toContain('"type":"InternalServerError"');
  await waitForValue(
    async () => {
      const r = await call(s, 'GET', `/deployments/logs?key=${encodeURIComponent(key)}&tail=2000`);
      const lines = (r.body as { lines: string[] }).lines.join('\n');
      return lines.includes('CUDA error: an illegal memory access was encountered') ? lines : null;
    },
    10_000,
    "the engine's dying lines in the log",
  );
  await call(s, 'POST', '/deployments/stop', { key });
  await untilStatus(s, key, 'stopped');
  s.keys.delete(key);
}

/** True while the vLLM on `port` runs a request (its own gauge). */
async function inFlight(port: number): Promise<boolean> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  return /vllm:num_requests_running\{[^}]*\} 1\.0/.test(text);
}
