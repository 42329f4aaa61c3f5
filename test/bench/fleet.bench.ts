// Fleet benchmark (issue 12): 100 simulated nodes × 8 GPUs × 1000 deployments, every agent API
// served by one in-memory process. Measures the control plane's CPU per node-sync and
// deployment-sync tick, GET /api/deployments with 1000 rows (next to GET /api/settings), and how
// long a state change on an agent takes to reach a /ws client at the default intervals.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

const CLI = join(process.cwd(), 'bin', 'aerie.mjs');
const TOKEN = `fleet-${randomBytes(12).toString('hex')}`;
const NODES = Number(process.env.BENCH_NODES ?? 100);
const PER_NODE = Number(process.env.BENCH_PER_NODE ?? 10);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

interface FakeEntry {
  key: string;
  status: string;
  body: Record<string, unknown>;
}

/** One agent's API, in memory: what the control plane's loops call. */
class FakeAgent {
  readonly entries = new Map<string, FakeEntry>();
  /** Off: answers the watch 404, as an agent without it would (the control plane then polls). */
  static watchOff = false;
  version = 0;
  private waiters: (() => void)[] = [];
  server!: Server;
  port = 0;

  static gpus = Array.from({ length: 8 }, (_, index) => ({
    index,
    name: 'NVIDIA H100 80GB',
    source: 'simulated',
    utilization: 20,
    memory_used_mb: 4000,
    memory_total_mb: 81920,
  }));

  setStatus(key: string, status: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.status = status;
    e.body.status = status;
    this.changed();
  }

  /** A new version: held watches answer. */
  changed(): void {
    this.version++;
    for (const w of this.waiters.splice(0)) w();
  }

  private entryFor(b: Record<string, unknown>): FakeEntry {
    const key = `${String(b.model_name)}:${String(b.port)}`;
    const manifest = {
      version: 1,
      owner: b.owner ?? null,
      duration_seconds: b.duration_seconds ?? null,
      expires_at: null,
      extra_args: [],
      env_var_keys: [],
      engine_args: {},
      lora_modules: [],
      extra_packages: [],
      gpu_memory_fraction: b.gpu_memory_fraction,
      gpu_ids: b.gpu_ids ?? null,
      tensor_parallel_size: null,
      max_failed_restarts: null,
      container_runtime: 'docker',
      warm: false,
      pinned: false,
      internal_port: null,
    };
    const body: Record<string, unknown> = {
      key,
      model_name: b.model_name,
      port: b.port,
      internal_port: null,
      gpu_memory_fraction: b.gpu_memory_fraction,
      gpu_ids: b.gpu_ids ?? null,
      tensor_parallel_size: null,
      vllm_version: '0.11.0',
      image: 'vllm/vllm-openai:v0.11.0',
      image_digest: 'sha256:abc',
      container_id: `c-${key}`,
      status: 'running',
      phase: 'ready',
      engine_args: {},
      lora_modules: [],
      max_failed_restarts: null,
      desired_state: 'running',
      launch_manifest: manifest,
      container_runtime: 'docker',
      warm: false,
      pinned: false,
      pause_tier: null,
      paused_ram_mb: 0,
      last_active_at: null,
      duration_seconds: null,
      expires_at: null,
      usage: { prompt_tokens: 100, generation_tokens: 200, requests: 3 },
      requests_running: 0,
      error: null,
      error_code: null,
      exit_code: null,
      pull_progress: null,
      stop_reason: null,
    };
    return { key, status: 'running', body };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const c of req) raw += (c as Buffer).toString();
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /metrics':
        return send(200, {
          cpu_percent: 10,
          memory_percent: 30,
          gpus: FakeAgent.gpus,
          disk: { total_gb: 1000, free_gb: 500, hf_cache_gb: 50 },
          available_runtimes: ['docker'],
          agent_version: '0.1.0',
          ram_cache_used_mb: 0,
          packages: [],
        });
      case 'GET /rogue-summary':
        return send(200, { containers: 0, processes: 0, artifacts: 0 });
      case 'POST /config':
        return send(200, {
          status: 'ok',
          warm_offload_enabled: false,
          ram_cache_limit_mb: null,
          busy_guard_seconds: 0,
        });
      case 'GET /deployments/status':
        return send(200, { deployments: [...this.entries.values()].map((e) => e.body) });
      case 'GET /deployments/watch': {
        if (FakeAgent.watchOff) return send(404, { detail: 'Not Found' });
        // The agent's long poll: at once when the version moved past `since`, else on a change
        // within `wait` seconds, else then with changed: false.
        const raw = url.searchParams.get('since');
        const since = raw === null ? NaN : Number(raw);
        const wait = Number(url.searchParams.get('wait') ?? 0);
        let changed = !Number.isFinite(since) || since !== this.version;
        if (!changed && wait > 0)
          changed = await new Promise<boolean>((r) => {
            const t = setTimeout(() => r(false), wait * 1000);
            this.waiters.push(() => {
              clearTimeout(t);
              r(true);
            });
          });
        return send(200, {
          version: this.version,
          changed,
          deployments: [...this.entries.values()].map((e) => e.body),
        });
      }
      case 'POST /deployments/start': {
        const b = JSON.parse(raw) as Record<string, unknown>;
        const e = this.entryFor(b);
        this.entries.set(e.key, e);
        this.changed();
        return send(200, { status: 'started', key: e.key, vllm_version: '0.11.0', offloaded: [] });
      }
      default:
        return send(404, { detail: 'Not Found' });
    }
  }

  listen(): Promise<void> {
    this.server = createServer((q, s) => void this.handle(q, s));
    return new Promise((r) =>
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as { port: number }).port;
        r();
      }),
    );
  }
}

function spawnServe(dir: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data-dir',
      dir,
      '--cluster-token',
      TOKEN,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, AERIE_LOG_LEVEL: 'error' },
    },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^listening on (http:\/\/\S+)/m.exec(out);
      if (m?.[1]) resolve({ proc, url: m[1] });
    });
    proc.once('exit', (c) => reject(new Error(`serve exited ${c}`)));
  });
}

async function json(url: string, init?: RequestInit): Promise<unknown> {
  const r = await fetch(url, init);
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return r.json();
}
const post = (url: string, body: unknown, auth = false) =>
  json(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(auth && { authorization: `Bearer ${TOKEN}` }),
    },
    body: JSON.stringify(body),
  });

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

type Loop = { name: string; ticks: number; last_duration_ms: number | null };
const loopOf = async (url: string, name: string) =>
  ((await json(`${url}/api/health`)) as { loops: Loop[] }).loops.find((l) => l.name === name)!;

async function waitTicks(url: string, name: string, n: number): Promise<void> {
  const start = (await loopOf(url, name)).ticks;
  while ((await loopOf(url, name)).ticks < start + n) await new Promise((r) => setTimeout(r, 50));
}

async function timeGets(url: string, n: number): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await (await fetch(url)).arrayBuffer();
    t.push(performance.now() - t0);
  }
  return median(t);
}

const dir = mkdtempSync(join(tmpdir(), 'bench-fleet-'));
const agents = Array.from({ length: NODES }, () => new FakeAgent());
await Promise.all(agents.map((a) => a.listen()));
const plane = await spawnServe(dir);
try {
  const url = plane.url;
  for (const [i, a] of agents.entries())
    await post(
      `${url}/api/agents/announce`,
      {
        node_name: `node-${i}`,
        advertise_host: '127.0.0.1',
        port: a.port,
        agent_version: '0.1.0',
        gpus: FakeAgent.gpus,
        runtimes: ['docker'],
      },
      true,
    );
  await waitTicks(url, 'node-sync', 1);
  const nodes = (await json(`${url}/api/nodes`)) as { id: number; hostname: string }[];
  const t0 = performance.now();
  for (const n of nodes)
    for (let j = 0; j < PER_NODE; j++)
      await post(`${url}/api/deployments/start`, {
        node_id: n.id,
        model_name: `org/m-${n.id}-${j}`,
        port: 20000 + j,
        gpu_memory_fraction: 0.1,
        gpu_ids: [j % 8],
        owner: 'bench',
      });
  const startMs = performance.now() - t0;
  console.log(
    `fleet: ${nodes.length} nodes × 8 GPUs, ${nodes.length * PER_NODE} deployments started in ${(startMs / 1000).toFixed(1)} s`,
  );

  for (const [name, setting] of [
    ['node-sync', 'nodes_sync_interval_seconds'],
    ['deployment-sync', 'deployments_sync_interval_seconds'],
  ] as const) {
    await json(`${url}/api/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        [setting]: 1,
        [name === 'node-sync'
          ? 'deployments_sync_interval_seconds'
          : 'nodes_sync_interval_seconds']: 300,
      }),
    });
    await waitTicks(url, name, 2);
    const before = cpuMs(plane.proc.pid!);
    const durations: number[] = [];
    const start = (await loopOf(url, name)).ticks;
    let last = start;
    while (last < start + 5) {
      const l = await loopOf(url, name);
      if (l.ticks > last && l.last_duration_ms !== null) durations.push(l.last_duration_ms);
      last = l.ticks;
      await new Promise((r) => setTimeout(r, 20));
    }
    const perTick = (cpuMs(plane.proc.pid!) - before) / 5;
    console.log(
      `  ${name} tick: ${perTick.toFixed(0)} ms CPU of the control plane (target ≤ 1000 ms), wall p50 ${median(durations).toFixed(0)} ms`,
    );
  }
  await json(`${url}/api/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ nodes_sync_interval_seconds: 10, deployments_sync_interval_seconds: 5 }),
  });

  await timeGets(`${url}/api/deployments`, 5);
  const list = await timeGets(`${url}/api/deployments`, 40);
  const base = await timeGets(`${url}/api/settings`, 40);
  console.log(
    `  GET /api/deployments (${nodes.length * PER_NODE} rows): p50 ${list.toFixed(1)} ms (target ≤ 20 ms); GET /api/settings ${base.toFixed(1)} ms`,
  );

  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
  await new Promise((r) => ws.once('open', r));
  /** Flips one deployment's status on an agent and times its arrival at the /ws client. */
  const measure = async (n: number): Promise<number[]> => {
    const lat: number[] = [];
    for (let i = 0; i < n; i++) {
      const agent = agents[i % agents.length]!;
      const key = [...agent.entries.keys()][0]!;
      // Always a change: running ↔ error.
      const status = agent.entries.get(key)?.status === 'running' ? 'error' : 'running';
      const seen = new Promise<number>((resolve) => {
        const on = (d: Buffer) => {
          const m = JSON.parse(d.toString()) as {
            type: string;
            deployments?: { model_name: string; port: number; status: string }[];
          };
          if (
            m.type === 'deployments_changed' &&
            m.deployments?.some((x) => `${x.model_name}:${x.port}` === key && x.status === status)
          ) {
            ws.off('message', on);
            resolve(performance.now());
          }
        };
        ws.on('message', on);
      });
      await new Promise((r) => setTimeout(r, 700 * Math.random()));
      const tA = performance.now();
      agent.setStatus(key, status);
      lat.push((await seen) - tA);
    }
    return lat;
  };
  const lat = await measure(20);
  console.log(
    `  agent state change → /ws client (default intervals, status watch): p50 ${median(lat).toFixed(0)} ms, max ${Math.max(...lat).toFixed(0)} ms (target p50 ≤ 1000 ms)`,
  );
  // For comparison, what the 5 s deployment sync tick alone gives (agents without the watch).
  FakeAgent.watchOff = true;
  for (const a of agents) a.changed();
  await new Promise((r) => setTimeout(r, 1000));
  const polled = await measure(6);
  ws.close();
  console.log(
    `  the same without the watch (sync tick only; each change follows a tick, so about one interval): p50 ${median(polled).toFixed(0)} ms, max ${Math.max(...polled).toFixed(0)} ms`,
  );
} finally {
  plane.proc.kill('SIGTERM');
  await new Promise((r) => plane.proc.once('exit', r));
  for (const a of agents) a.server.close();
  rmSync(dir, { recursive: true, force: true });
}
