// Orphaned warm-cache artifacts (behaviour.md §4.5) on a real `aerie agent` with the process
// runtime and simulated GPUs: a simulator started by hand and put to sleep holds real host RAM
// (AERIE_SIM_SLEEP_HOST_RAM_MB), and compile caches are real directories under the data dir.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from '../helpers/agent-process.js';
import { freePort, simLaunch } from '../helpers/engine-harness.js';
import { type SimProcess, startSim } from '../helpers/sim-process.js';
import { waitFor } from '../helpers/wait.js';

interface Artifacts {
  ram_sleepers: { pid: number; process_name: string; rss_mb: number }[];
  disk_caches: { name: string; path: string; size_mb: number }[];
}

const SLEEP_RAM = { AERIE_SIM_SLEEP_HOST_RAM_MB: '1100', AERIE_SIM_SLEEP_WAKE_MS: '20' };
const ORPHAN_CACHE = '0123456789abcdef';

let agent: AgentProcess;
let warmKey: string;
let warmPid: number;
let handSim: SimProcess | null = null;

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${agent.url}${path}`, {
    method,
    headers: {
      ...agent.auth(),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

const artifacts = async () => (await call('GET', '/warm-artifacts')).body as Artifacts;
const status = async (key: string) => {
  const all = (await call('GET', '/deployments/status')).body as {
    deployments: { key: string; status: string }[];
  };
  return all.deployments.find((d) => d.key === key)?.status;
};
const cacheDir = (name: string) => join(agent.dataDir, '.vllm_compile', name);
const rssMb = (pid: number) =>
  Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

beforeAll(async () => {
  agent = await startAgent(['--runtime', 'process', '--simulate-gpus', '2xH100-80GB'], {
    AERIE_AGENT_MONITOR_INTERVAL_MS: '300',
  });
  expect((await call('POST', '/config', { warm_offload_enabled: true })).status).toBe(200);
  const port = await freePort();
  warmKey = `m/warm:${port}`;
  const start = await call(
    'POST',
    '/deployments/start',
    simLaunch('m/warm', port, {}, { ...SLEEP_RAM, AERIE_SIM_LOAD_S: '0.3' }),
  );
  expect(start.status).toBe(200);
  await waitFor(
    async () => (await status(warmKey)) === 'running',
    30_000,
    'the warm deployment to run',
  );
  expect((await call('POST', '/deployments/pause', { key: warmKey })).status).toBe(200);
  await waitFor(
    async () => (await status(warmKey)) === 'paused_ram',
    30_000,
    'the warm deployment to pause',
  );
  const procs = (await call('GET', '/gpu-processes')).body as {
    pid: number;
    key: string | null;
    tracked: boolean;
  }[];
  const mine = procs.find((p) => p.key === warmKey);
  expect(mine?.tracked).toBe(true);
  warmPid = mine?.pid ?? 0;
});

afterAll(async () => {
  await handSim?.stop();
  if (agent && warmKey) {
    await call('POST', '/deployments/stop', { key: warmKey });
    await waitFor(
      async () => (await status(warmKey)) === 'stopped',
      30_000,
      'the warm deployment to stop',
    ).catch(() => undefined);
  }
  await agent?.stop();
});

describe('orphaned RAM sleepers', () => {
  it('lists a hand-started sleeping simulator with its RSS, drops it once awake, and kills it', async () => {
    // It reports to the simulated GPUs too, so it is also an orphaned GPU process.
    const sim = await startSim(['hand/sleeper', '--enable-sleep-mode'], {
      VLLM_SERVER_DEV_MODE: '1',
      AERIE_SIM_STATE_FILE: join(agent.dataDir, 'sim-gpus', 'by-hand.json'),
      ...SLEEP_RAM,
    });
    handSim = sim;
    const pid = sim.proc.pid ?? 0;
    // Awake it holds only its own heap: not a sleeper, and not offered for killing.
    expect((await artifacts()).ram_sleepers.map((s) => s.pid)).not.toContain(pid);
    expect((await call('POST', `/warm-artifacts/sleepers/${pid}/kill`)).status).toBe(404);
    expect(sim.proc.exitCode).toBeNull();

    expect((await fetch(`${sim.baseUrl}/sleep?level=1`, { method: 'POST' })).status).toBe(200);
    const listed = (await artifacts()).ram_sleepers.find((s) => s.pid === pid);
    expect(listed?.rss_mb).toBeGreaterThanOrEqual(1100);
    expect(listed?.process_name).toMatch(/vllm/i);
    // The tracked warm deployment sleeps with the same RAM but is not an orphan.
    expect(rssMb(warmPid)).toBeGreaterThanOrEqual(1100);
    expect((await artifacts()).ram_sleepers.map((s) => s.pid)).not.toContain(warmPid);
    // The summary counts exactly what the detail lists show as untracked.
    const now = await artifacts();
    expect((await call('GET', '/rogue-summary')).body).toEqual({
      containers: 0,
      processes: 1,
      artifacts: now.ram_sleepers.length + now.disk_caches.length,
    });

    // Waking frees the offloaded weights, so the process is no longer a sleeper.
    expect((await fetch(`${sim.baseUrl}/wake_up`, { method: 'POST' })).status).toBe(200);
    await waitFor(
      async () => !(await artifacts()).ram_sleepers.some((s) => s.pid === pid),
      10_000,
      'the woken simulator to leave the list',
    );
    expect(rssMb(pid)).toBeLessThan(1024);

    expect((await fetch(`${sim.baseUrl}/sleep?level=1`, { method: 'POST' })).status).toBe(200);
    expect((await artifacts()).ram_sleepers.map((s) => s.pid)).toContain(pid);
    const kill = await call('POST', `/warm-artifacts/sleepers/${pid}/kill`);
    expect(kill).toEqual({ status: 200, body: { status: 'killed', pid } });
    await sim.exited;
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect((await artifacts()).ram_sleepers.map((s) => s.pid)).not.toContain(pid);
    expect((await call('POST', `/warm-artifacts/sleepers/${pid}/kill`)).status).toBe(404);
    expect((await call('GET', '/rogue-summary')).body).toMatchObject({
      containers: 0,
      processes: 0,
    });
  });

  it("refuses with 409 to kill a tracked warm deployment's sleeping process, and 404 for a non-vLLM process", async () => {
    const res = await call('POST', `/warm-artifacts/sleepers/${warmPid}/kill`);
    expect(res.status).toBe(409);
    expect((res.body as { detail: string }).detail).toContain(warmKey);
    expect(await status(warmKey)).toBe('paused_ram');
    expect(existsSync(`/proc/${warmPid}`)).toBe(true);
    expect((await call('POST', `/warm-artifacts/sleepers/${process.pid}/kill`)).status).toBe(404);
  });
});

describe('orphaned compile caches', () => {
  const trackedName = () => createHash('sha256').update(warmKey).digest('hex').slice(0, 16);

  it('lists an orphaned cache with its size, not the warm deployment’s own, and deletes it', async () => {
    expect(existsSync(cacheDir(trackedName()))).toBe(true);
    mkdirSync(join(cacheDir(ORPHAN_CACHE), 'rank_0_0'), { recursive: true });
    writeFileSync(
      join(cacheDir(ORPHAN_CACHE), 'rank_0_0', 'graph.bin'),
      Buffer.alloc(3 * 1024 * 1024, 1),
    );
    const caches = (await artifacts()).disk_caches;
    expect(caches).toEqual([{ name: ORPHAN_CACHE, path: cacheDir(ORPHAN_CACHE), size_mb: 3 }]);

    expect(await call('DELETE', `/warm-artifacts/caches/${ORPHAN_CACHE}`)).toEqual({
      status: 200,
      body: { status: 'deleted', name: ORPHAN_CACHE },
    });
    expect(existsSync(cacheDir(ORPHAN_CACHE))).toBe(false);
    expect((await artifacts()).disk_caches).toEqual([]);
    expect((await call('DELETE', `/warm-artifacts/caches/${ORPHAN_CACHE}`)).status).toBe(404);
  });

  it("refuses with 409 to delete a live warm deployment's cache", async () => {
    const res = await call('DELETE', `/warm-artifacts/caches/${trackedName()}`);
    expect(res.status).toBe(409);
    expect((res.body as { detail: string }).detail).toContain(warmKey);
    expect(existsSync(cacheDir(trackedName()))).toBe(true);
  });

  it('rejects names that are not 16 hex characters with 400 and touches nothing', async () => {
    const keep = join(agent.dataDir, 'keep.txt');
    writeFileSync(keep, 'x');
    mkdirSync(cacheDir('not-a-cache'), { recursive: true });
    for (const bad of [
      'not-a-cache',
      '0123456789abcdeg',
      '0123456789abcdef0',
      '0123',
      '..%2Fkeep.txt',
      encodeURIComponent('0123456789 abcde'),
    ]) {
      const res = await call('DELETE', `/warm-artifacts/caches/${bad}`);
      expect(res.status, bad).toBe(400);
      expect((res.body as { detail: unknown }).detail, bad).toBeTruthy();
    }
    expect(existsSync(keep)).toBe(true);
    expect(existsSync(cacheDir('not-a-cache'))).toBe(true);
    expect(existsSync(cacheDir(trackedName()))).toBe(true);
    // A directory the agent could not have made is not offered for deletion either.
    expect((await artifacts()).disk_caches.map((c) => c.name)).not.toContain('not-a-cache');
  });

  it('removes a warm deployment’s compile cache when it is stopped, so none is left orphaned', async () => {
    expect(existsSync(cacheDir(trackedName()))).toBe(true);
    expect((await call('POST', '/deployments/stop', { key: warmKey })).status).toBe(200);
    await waitFor(
      async () => (await status(warmKey)) === 'stopped',
      30_000,
      'the warm deployment to stop',
    );
    expect(existsSync(cacheDir(trackedName()))).toBe(false);
    expect((await artifacts()).disk_caches).toEqual([]);
  });
});

describe('images on the process runtime', () => {
  it('lists none, prunes nothing and answers 404 for any image id', async () => {
    expect(await call('GET', '/images')).toEqual({ status: 200, body: [] });
    expect(await call('POST', '/images/prune')).toEqual({
      status: 200,
      body: { removed: [], freed_mb: 0, skipped: [] },
    });
    expect((await call('DELETE', `/images/${'ab'.repeat(32)}`)).status).toBe(404);
    expect((await call('DELETE', '/images/not-an-id')).status).toBe(422);
  });
});
