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
import { freePort } from './engine-harness.js';
import { waitFor, waitForValue } from './wait.js';

export type { Deployments, HandStarted, RuntimeAdapter, Session } from './agent-session.js';
export { closeSession, openSession, pickDeployments } from './agent-session.js';
export {
  cliDetailsReachVllm,
  portReservationIsTheGuard,
  startupFailuresClassified,
  versionAwareLaunch,
} from './agent-vllm-scenarios.js';
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
