// Nodes benchmark (issue 11): metric history over 48 h of samples, an upload through the control
// plane against the same upload straight to the agent, and the node sync tick of 100 agents.
// Every figure is printed next to a baseline measured in the same run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';

const CLI = join(process.cwd(), 'bin', 'aerie.mjs');
const TOKEN = `bench-${randomBytes(12).toString('hex')}`;
const UPLOAD_BYTES = Number(process.env.BENCH_BYTES ?? 2 * 1024 ** 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function spawnReady(args: string[], ready: RegExp): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, AERIE_LOG_LEVEL: 'warn', AERIE_AGENT_ANNOUNCE_INTERVAL_MS: '1000' },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m?.[1]) resolve({ proc, url: m[1] });
    });
    proc.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}: ${out}`)));
  });
}

const startServe = (dataDir: string) =>
  spawnReady(
    [
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--cluster-token',
      TOKEN,
    ],
    /^listening on (http:\/\/\S+)/m,
  );

async function stop(proc: ChildProcess): Promise<void> {
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
}

async function json(url: string, init?: RequestInit): Promise<unknown> {
  const r = await fetch(url, init);
  if (!r.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${r.status} ${await r.text()}`);
  return r.json();
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

/** utime + stime of a process, ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function timeGets(url: string, n: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await fetch(url);
    await r.arrayBuffer();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** 48 h of samples (every 10 s, 8 GPUs) of one node, then the history queries the console makes. */
async function historyBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-nodes-'));
  try {
    const first = await startServe(dir);
    await stop(first.proc);
    const db = new Database(join(dir, 'aerie.db'));
    const now = Date.now();
    const gpus = JSON.stringify(
      Array.from({ length: 8 }, (_, index) => ({
        index,
        name: 'NVIDIA H100 80GB',
        source: 'simulated',
        utilization: 40,
        memory_used_mb: 40000,
        memory_total_mb: 81920,
      })),
    );
    const node = db
      .prepare(
        "insert into nodes (hostname, ip_address, port, gpu_usage, created_at) values ('bench-node', '127.0.0.1', 1, ?, ?)",
      )
      .run(gpus, new Date(now).toISOString());
    const insert = db.prepare(
      'insert into node_metrics (node_id, recorded_at, gpus, cpu_percent, memory_percent) values (?, ?, ?, ?, ?)',
    );
    const samples = (48 * 3600) / 10;
    db.transaction(() => {
      for (let i = 0; i < samples; i++)
        insert.run(node.lastInsertRowid, new Date(now - i * 10_000).toISOString(), gpus, 20, 30);
    })();
    db.close();
    const plane = await startServe(dir);
    try {
      const id = Number(node.lastInsertRowid);
      const base = `${plane.url}/api/nodes/${id}/metrics/history`;
      await timeGets(`${base}?minutes=2880&step=96`, 5);
      const ui = await timeGets(`${base}?minutes=2880&step=96`, 50);
      const hour = await timeGets(`${base}?minutes=60&step=2`, 50);
      const all = await timeGets(`${base}?minutes=2880&step=1`, 10);
      const baseline = await timeGets(`${plane.url}/api/settings`, 50);
      console.log(`metric history, ${samples} samples (48 h, 8 GPUs) of one node:`);
      console.log(`  48 h, ~180 points (console's step): p50 ${ui.toFixed(2)} ms (target ≤ 30 ms)`);
      console.log(`  1 h, every 2nd sample: p50 ${hour.toFixed(2)} ms`);
      console.log(`  48 h, every sample (${samples} points): p50 ${all.toFixed(2)} ms`);
      console.log(
        `  baseline GET /api/settings: p50 ${baseline.toFixed(2)} ms (48 h query ${(ui / baseline).toFixed(1)}×)`,
      );
    } finally {
      await stop(plane.proc);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** Drops an upload session's staging (the bytes were only for timing) and flushes the disk. */
async function settle(agentUrl: string, sessionId: string): Promise<void> {
  await json(`${agentUrl}/local-models/upload/${sessionId}/abort`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  spawnSync('sync');
}

/** PUTs `bytes` of zeros to `url`; resolves with MB/s. */
function putZeros(url: string, bytes: number, onChunk?: () => void): Promise<number> {
  const chunk = Buffer.alloc(1024 * 1024);
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent >= bytes) return this.push(null);
      const n = Math.min(chunk.length, bytes - sent);
      sent += n;
      onChunk?.();
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'PUT',
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(bytes),
        authorization: `Bearer ${TOKEN}`,
      },
    });
    req.once('response', (res) => {
      res.resume();
      res.once('end', () =>
        res.statusCode === 200
          ? resolve(bytes / 1024 ** 2 / ((performance.now() - t0) / 1000))
          : reject(new Error(`upload answered ${res.statusCode}`)),
      );
    });
    req.once('error', reject);
    body.pipe(req);
  });
}

async function uploadBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-upload-'));
  try {
    const plane = await startServe(join(dir, 'cp'));
    const agent = await spawnReady(
      [
        'agent',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--data-dir',
        join(dir, 'agent'),
        '--cluster-token',
        TOKEN,
        '--control-plane',
        plane.url,
        '--node-name',
        'bench-upload',
        '--advertise-host',
        '127.0.0.1',
        '--runtime',
        'process',
        '--simulate-gpus',
        '1xH100-80GB',
      ],
      /agent listening on (http:\/\/\S+)/,
    );
    try {
      let nodes: { id: number }[] = [];
      while (nodes.length === 0) {
        nodes = (await json(`${plane.url}/api/nodes`)) as { id: number }[];
        await new Promise((r) => setTimeout(r, 100));
      }
      const id = nodes[0]!.id;
      const begin = async (base: string, name: string, headers: Record<string, string>) =>
        (
          (await json(`${base}/local-models/upload/begin`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify({ name, total_bytes: UPLOAD_BYTES, file_count: 1 }),
          })) as { session_id: string }
        ).session_id;
      const auth = { authorization: `Bearer ${TOKEN}` };
      const viaBase = `${plane.url}/api/nodes/${id}`;
      const pid = plane.proc.pid!;
      const rssBefore = rssMb(pid);
      let rssMax = rssBefore;
      const direct: number[] = [];
      const via: number[] = [];
      // Alternated, each written out to disk before the next, so neither side gets the page
      // cache's head start or pays for the other's writeback.
      for (let round = 0; round < ROUNDS; round++) {
        const d = await begin(agent.url, `direct-${round}`, auth);
        direct.push(
          await putZeros(`${agent.url}/local-models/upload/${d}/file?path=w.bin`, UPLOAD_BYTES),
        );
        await settle(agent.url, d);
        const v = await begin(viaBase, `via-${round}`, {});
        let n = 0;
        via.push(
          await putZeros(
            `${viaBase}/local-models/upload/${v}/file?path=w.bin`,
            UPLOAD_BYTES,
            () => {
              if (++n % 64 === 0) rssMax = Math.max(rssMax, rssMb(pid));
            },
          ),
        );
        rssMax = Math.max(rssMax, rssMb(pid));
        await settle(agent.url, v);
      }
      const directMbs = median(direct);
      const viaMbs = median(via);
      console.log(`upload of ${(UPLOAD_BYTES / 1024 ** 3).toFixed(2)} GiB (PUT …/file):`);
      console.log(
        `  straight to the agent: ${directMbs.toFixed(0)} MB/s (baseline; median of ${ROUNDS}, alternating)`,
      );
      console.log(
        `  through the control plane: ${viaMbs.toFixed(0)} MB/s = ${(viaMbs / directMbs).toFixed(2)}× (target ≥ 0.8×)`,
      );
      console.log(
        `  control-plane RSS: ${rssBefore.toFixed(0)} MB → max ${rssMax.toFixed(0)} MB (+${(rssMax - rssBefore).toFixed(0)} MB, target ≤ 64 MB)`,
      );
    } finally {
      await stop(agent.proc);
      await stop(plane.proc);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Serves the agent API (what the node sync reads) on `count` ports of one process. */
function fakeAgents(count: number): Promise<{ servers: Server[]; ports: number[] }> {
  const gpus = Array.from({ length: 8 }, (_, index) => ({
    index,
    name: 'NVIDIA H100 80GB',
    source: 'simulated',
    utilization: 10 * (index % 5),
    memory_used_mb: 1000 * index,
    memory_total_mb: 81920,
  }));
  const metrics = JSON.stringify({
    cpu_percent: 12.5,
    memory_percent: 40.1,
    gpus,
    disk: { total_gb: 1000, free_gb: 500, hf_cache_gb: 100 },
    available_runtimes: ['docker'],
    agent_version: '0.1.0',
    ram_cache_used_mb: 0,
    packages: [],
  });
  const replies: Record<string, string> = {
    '/metrics': metrics,
    '/rogue-summary': JSON.stringify({ containers: 0, processes: 0, artifacts: 0 }),
    '/config': JSON.stringify({
      status: 'ok',
      warm_offload_enabled: true,
      ram_cache_limit_mb: null,
      busy_guard_seconds: 0,
    }),
  };
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<{ server: Server; port: number }>((resolve) => {
          const server = createServer((req, res) => {
            req.resume();
            req.once('end', () => {
              const body = replies[(req.url ?? '').split('?')[0] ?? ''];
              res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
              res.end(body ?? '{"detail":"Not Found"}');
            });
          });
          server.listen(0, '127.0.0.1', () =>
            resolve({ server, port: (server.address() as { port: number }).port }),
          );
        }),
    ),
  ).then((all) => ({ servers: all.map((a) => a.server), ports: all.map((a) => a.port) }));
}

async function syncBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sync-'));
  const fleet = await fakeAgents(100);
  try {
    const plane = await startServe(dir);
    try {
      await json(`${plane.url}/api/settings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ nodes_sync_interval_seconds: 1 }),
      });
      for (const [i, port] of fleet.ports.entries())
        await json(`${plane.url}/api/agents/announce`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify({
            node_name: `bench-${i}`,
            advertise_host: '127.0.0.1',
            port,
            agent_version: '0.1.0',
            gpus: [],
            runtimes: ['docker'],
          }),
        });
      const loop = async () =>
        (
          (await json(`${plane.url}/api/health`)) as {
            loops: { name: string; ticks: number; last_duration_ms: number | null }[];
          }
        ).loops.find((l) => l.name === 'node-sync')!;
      const waitTicks = async (n: number) => {
        const start = (await loop()).ticks;
        while ((await loop()).ticks < start + n) await new Promise((r) => setTimeout(r, 50));
      };
      await waitTicks(2);
      const pid = plane.proc.pid!;
      const idleBefore = cpuMs(pid);
      const t0 = performance.now();
      const ticks = 10;
      const durations: number[] = [];
      const start = (await loop()).ticks;
      let last = start;
      while (last < start + ticks) {
        const l = await loop();
        if (l.ticks > last && l.last_duration_ms !== null) durations.push(l.last_duration_ms);
        last = l.ticks;
        await new Promise((r) => setTimeout(r, 50));
      }
      const cpu = cpuMs(pid) - idleBefore;
      const wall = performance.now() - t0;
      console.log('node sync, 100 agents × 8 GPUs (one process serving every agent API):');
      console.log(
        `  CPU of the control plane per tick: ${(cpu / ticks).toFixed(0)} ms (target ≤ 1000 ms)`,
      );
      console.log(
        `  tick duration p50: ${median(durations).toFixed(0)} ms over ${ticks} ticks in ${(wall / 1000).toFixed(1)} s`,
      );
    } finally {
      await stop(plane.proc);
    }
  } finally {
    for (const s of fleet.servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await historyBench();
await syncBench();
await uploadBench();
