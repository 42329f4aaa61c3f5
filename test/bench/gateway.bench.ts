// Gateway benchmark (issue 13, item 8). One run, one zero-delay upstream (the vLLM simulator of an
// `aerie serve --demo` deployment) measured four ways: direct, through Aerie's /v1, through nginx
// (Debian's, own config in a temp dir) and through the Portkey gateway. Two reference legs show
// what Node itself costs: the obvious proxy (node:http and an undici Pool, no auth or routing) and,
// for the c1 latency only, a TCP pipe (no HTTP at all), the floor of any proxy on this machine.
// Every figure is reported next to the same run's direct and nginx/Portkey figures, so results
// compare across machines; nothing here asserts on wall-clock speed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'undici';

const CLI = join(process.cwd(), 'bin', 'aerie.mjs');
const PORTKEY = join(
  process.cwd(),
  'node_modules',
  '@portkey-ai',
  'gateway',
  'build',
  'start-server.js',
);
const NGINX = '/usr/sbin/nginx';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SOAK_S = Number(process.env.BENCH_SOAK_S ?? 600);
/** Each figure is the median of this many rounds; the legs' order rotates between rounds. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Where `aerie serve` writes a V8 CPU profile (`node --cpu-prof`); its figures then include the profiler. */
const PROFILE_DIR = process.env.BENCH_CPU_PROF?.trim() || null;
const MODEL = 'bench-model';
const ZERO_DELAY: Record<string, string> = {
  AERIE_SIM_LOAD_S: '0',
  AERIE_SIM_TTFT_MS: '0',
  AERIE_SIM_TOKENS_PER_S: '0',
};
const BODY = JSON.stringify({
  model: MODEL,
  messages: [{ role: 'user', content: 'hi' }],
  max_tokens: 16,
});
const SSE_BODY = JSON.stringify({
  model: MODEL,
  messages: [{ role: 'user', content: 'hi' }],
  max_tokens: 16,
  stream: true,
});

const PORTKEY_SHIM = `const nativeFetch = globalThis.fetch;
const NativeResponse = globalThis.Response;
const NativeHeaders = globalThis.Headers;
globalThis.fetch = async (...args) => {
  const r = await nativeFetch(...args);
  return new NativeResponse(r.body, { status: r.status, statusText: r.statusText, headers: new NativeHeaders(r.headers) });
};
`;

/** The obvious Node proxy the issue measured before the gateway: node:http and an undici Pool. */
const bareProxy = (undici: string, upstream: number) => `import { createServer } from 'node:http';
import { Pool } from ${JSON.stringify(undici)};
const pool = new Pool('http://127.0.0.1:${upstream}', { connections: 128 });
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const body = Buffer.concat(chunks);
      JSON.parse(body.toString());
      const r = await pool.request({ path: req.url, method: req.method, headers: { 'content-type': 'application/json' }, body });
      res.writeHead(r.statusCode, { 'content-type': r.headers['content-type'] ?? 'application/json' });
      for await (const c of r.body) res.write(c);
      res.end();
    } catch (err) {
      res.destroy(err);
    }
  });
}).listen(0, '127.0.0.1', function () { console.log('port ' + this.address().port); });
`;

/** A TCP pipe per client connection to the upstream: what a proxy costs without any HTTP. */
const tcpPipe = (upstream: number) => `import { connect, createServer } from 'node:net';
createServer((c) => {
  const u = connect(${upstream}, '127.0.0.1');
  c.setNoDelay(true);
  u.setNoDelay(true);
  c.pipe(u);
  u.pipe(c);
  c.on('error', () => u.destroy());
  u.on('error', () => c.destroy());
  c.on('close', () => u.destroy());
  u.on('close', () => c.destroy());
}).listen(0, '127.0.0.1', function () { console.log('port ' + this.address().port); });
`;

type Mode = 'shared' | 'pinned';
interface Leg {
  name: 'direct' | 'aerie' | 'nginx' | 'portkey' | 'bare' | 'pipe';
  /** Measured for the c1 latency only (a reference leg). */
  c1Only?: boolean;
  origin: string;
  path: string;
  headers: Record<string, string>;
  /** Processes of the proxy under test (pinned to CPU 1); empty for direct. */
  pids: () => number[];
}
interface LegFigures {
  p50_ms_c1: number;
  p99_ms_c1: number;
  rps_c64: number;
  errors_c64: number;
  /** CPU time of the proxy's processes per request: its cost even where CPU 0 is the bottleneck. */
  proxy_cpu_us_per_req_c64: number;
  sse_streams_per_s_c16: number;
  sse_bytes_per_s_c16: number;
  errors_sse: number;
  proxy_cpu_us_per_stream_c16: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves with the first match of `re` in the process's stdout, or rejects when it exits. */
function waitForLine(proc: ChildProcess, re: RegExp, what: string, ms = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no ${re} in ${ms} ms: ${out}`)), ms);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ?? m[0]);
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => reject(new Error(`${what} exited ${code}: ${out}`)));
  });
}

/** Every process started (transitively) by `pid`: the simulator of the demo agent's deployment. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const dir = `/proc/${pid}/task`;
  if (!existsSync(dir)) return out;
  for (const tid of spawnSync('ls', [dir], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)) {
    let kids = '';
    try {
      kids = readFileSync(`${dir}/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const k of kids.split(' ').filter(Boolean).map(Number)) out.push(k, ...descendants(k));
  }
  return out;
}

/** The `aerie vllm-sim` process listening on `port`, and the agent's shim that started it. */
function simProcesses(port: number): number[] {
  const out: number[] = [];
  for (const name of spawnSync('ls', ['/proc'], { encoding: 'utf8' }).stdout.split('\n')) {
    if (!/^\d+$/.test(name)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const at = args.indexOf('--port');
    if (!args.includes('vllm-sim') || at < 0 || args[at + 1] !== String(port)) continue;
    out.push(Number(name));
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]);
    try {
      if (readFileSync(`/proc/${ppid}/cmdline`, 'utf8').includes('agent-shim')) out.push(ppid);
    } catch {
      // no parent to pin
    }
  }
  return out;
}

function pin(pids: number[], cpuList: string): void {
  for (const pid of pids)
    spawnSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { stdio: 'ignore' });
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const r = await fetch(url, init);
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as unknown) : null };
}

async function until<T>(what: string, ms: number, f: () => Promise<T | null>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Sequential requests over one keep-alive connection: p50/p99 with sub-millisecond resolution. */
async function latencyC1(leg: Leg): Promise<{ p50: number; p99: number }> {
  const client = new Client(leg.origin, { pipelining: 1 });
  const times: number[] = [];
  const headers = { 'content-type': 'application/json', ...leg.headers };
  const send = async () => {
    const r = await client.request({ path: leg.path, method: 'POST', headers, body: BODY });
    await r.body.text();
    if (r.statusCode !== 200) throw new Error(`${leg.name}: status ${r.statusCode}`);
  };
  for (let i = 0; i < 200; i++) await send();
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    await send();
    times.push(performance.now() - t);
  }
  await client.close();
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

async function cannon(leg: Leg, connections: number, body: string, duration = SECONDS) {
  const r = await autocannon({
    url: `${leg.origin}${leg.path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...leg.headers },
    body,
    connections,
    duration,
  });
  return {
    rps: r.requests.average,
    bytes: r.throughput.average,
    errors: r.errors + r.non2xx + r.timeouts,
  };
}

/** User + system CPU seconds spent so far by the processes (all their threads). */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
    } catch {
      // gone: counts nothing
    }
  }
  return ticks / 100; // USER_HZ
}

async function measure(leg: Leg): Promise<LegFigures> {
  const lat = await latencyC1(leg);
  if (leg.c1Only)
    return {
      p50_ms_c1: lat.p50,
      p99_ms_c1: lat.p99,
      rps_c64: NaN,
      errors_c64: 0,
      proxy_cpu_us_per_req_c64: NaN,
      sse_streams_per_s_c16: NaN,
      sse_bytes_per_s_c16: NaN,
      errors_sse: 0,
      proxy_cpu_us_per_stream_c16: NaN,
    };
  await cannon(leg, 64, BODY, 1); // warm-up
  const cpu0 = cpuSeconds(leg.pids());
  const c64 = await cannon(leg, 64, BODY);
  const cpu1 = cpuSeconds(leg.pids());
  const sse = await cannon(leg, 16, SSE_BODY);
  const cpu2 = cpuSeconds(leg.pids());
  return {
    p50_ms_c1: lat.p50,
    p99_ms_c1: lat.p99,
    rps_c64: c64.rps,
    errors_c64: c64.errors,
    proxy_cpu_us_per_req_c64: Math.round(((cpu1 - cpu0) / (c64.rps * SECONDS)) * 1e6),
    sse_streams_per_s_c16: sse.rps,
    sse_bytes_per_s_c16: sse.bytes,
    errors_sse: sse.errors,
    proxy_cpu_us_per_stream_c16: Math.round(((cpu2 - cpu1) / (sse.rps * SECONDS)) * 1e6),
  };
}

/** The median of each figure over the rounds (errors are summed). */
function medianFigures(rounds: LegFigures[]): LegFigures {
  const med = (k: keyof LegFigures) =>
    percentile(
      rounds.map((r) => r[k]),
      0.5,
    );
  const sum = (k: keyof LegFigures) => rounds.reduce((a, r) => a + r[k], 0);
  return {
    p50_ms_c1: med('p50_ms_c1'),
    p99_ms_c1: med('p99_ms_c1'),
    rps_c64: med('rps_c64'),
    errors_c64: sum('errors_c64'),
    proxy_cpu_us_per_req_c64: med('proxy_cpu_us_per_req_c64'),
    sse_streams_per_s_c16: med('sse_streams_per_s_c16'),
    sse_bytes_per_s_c16: med('sse_bytes_per_s_c16'),
    errors_sse: sum('errors_sse'),
    proxy_cpu_us_per_stream_c16: med('proxy_cpu_us_per_stream_c16'),
  };
}

/** One non-streaming and one streaming request: a leg that does not answer like vLLM fails here. */
async function check(leg: Leg): Promise<void> {
  const headers = { 'content-type': 'application/json', ...leg.headers };
  const r = await fetch(`${leg.origin}${leg.path}`, { method: 'POST', headers, body: BODY });
  const text = await r.text();
  if (r.status !== 200 || !text.includes('"choices"'))
    throw new Error(`${leg.name}: ${r.status} ${text.slice(0, 300)}`);
  const s = await fetch(`${leg.origin}${leg.path}`, { method: 'POST', headers, body: SSE_BODY });
  const stream = await s.text();
  if (s.status !== 200 || !stream.includes('data: [DONE]'))
    throw new Error(`${leg.name} stream: ${s.status} ${stream.slice(0, 300)}`);
}

const base = mkdtempSync(join(tmpdir(), 'aerie-bench-gateway-'));
const children: ChildProcess[] = [];
/** Run before the children stop (the deployment's stop goes through `aerie serve`). */
const cleanups: (() => Promise<void>)[] = [];
const stopAll = async () => {
  for (const c of cleanups) await c().catch(() => undefined);
  for (const c of children.reverse()) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    c.kill('SIGTERM');
    await Promise.race([new Promise((r) => c.once('exit', r)), sleep(5000)]);
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
};

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    // An interrupted run still stops aerie serve, the simulator, nginx and Portkey.
    void stopAll().finally(() => {
      rmSync(base, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
      process.exit(130);
    });
  });

try {
  if (cpus().length < 2) throw new Error('the pinned legs need two CPUs');
  if (!existsSync(NGINX)) {
    if (process.getuid?.() !== 0) throw new Error(`${NGINX} is missing; install Debian's nginx`);
    console.log('installing nginx (apt-get)…');
    const r = spawnSync(
      'sh',
      [
        '-c',
        'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx',
      ],
      { stdio: 'inherit' },
    );
    if (r.status !== 0 || !existsSync(NGINX)) throw new Error('apt-get install nginx failed');
  }

  // Aerie with its demo agent; the deployment's simulator is the one upstream of every leg.
  const serve = spawn(
    process.execPath,
    [
      ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
      CLI,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data-dir',
      join(base, 'aerie'),
      '--demo',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...ZERO_DELAY, AERIE_LOG_LEVEL: 'warn' },
    },
  );
  children.push(serve);
  const cp = await waitForLine(serve, /^listening on (http:\/\/\S+)/m, 'aerie serve');
  const nodeId = await until('the demo node', 15_000, async () => {
    const { body } = await json(`${cp}/api/nodes`);
    const n = (body as { id: number; status: string }[])[0];
    return n?.status === 'online' ? n.id : null;
  });
  // No warm cache: otherwise the agent puts its wake proxy (in this same process) on the port.
  const warm = await json(`${cp}/api/nodes/${nodeId}/warm-cache`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: false }),
  });
  if (warm.status !== 200)
    throw new Error(`warm-cache off: ${warm.status} ${JSON.stringify(warm.body)}`);
  const publicPort = await freePort();
  const started = await json(`${cp}/api/deployments/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      node_id: nodeId,
      model_name: MODEL,
      port: publicPort,
      gpu_memory_fraction: 0.2,
      owner: 'bench',
      env_vars: Object.entries(ZERO_DELAY).map(([key, value]) => ({ key, value })),
      // One access-log line per request would be read and stored by the demo agent, which runs
      // inside `aerie serve`: about a tenth of its CPU in a profile, charged to the gateway.
      extra_args: ['--disable-uvicorn-access-log', '--disable-log-requests'],
    }),
  });
  if (started.status !== 201)
    throw new Error(`deploy: ${started.status} ${JSON.stringify(started.body)}`);
  const depId = (started.body as { id: number }).id;
  cleanups.push(async () => {
    await json(`${cp}/api/deployments/stop/${depId}`, { method: 'POST' }).catch(() => null);
  });
  const running = await until('the deployment running', 60_000, async () => {
    const { body } = await json(`${cp}/api/deployments/${depId}`);
    const d = body as { status: string; internal_port: number | null };
    return d.status === 'running' ? d : null;
  });
  // The simulator itself, wherever the agent put it (the process runtime detaches it).
  const simPort = running.internal_port ?? publicPort;
  const simProcs = simProcesses(simPort);
  if (simProcs.length === 0) throw new Error(`no vllm-sim process on port ${simPort}`);
  cleanups.push(async () => {
    await sleep(2000);
    for (const pid of simProcesses(simPort)) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });
  const simPids = () => simProcs;
  console.log(
    `upstream: vllm-sim pid ${simProcs.join(', ')} on port ${simPort}` +
      (simPort === publicPort ? '' : ` (behind a proxy on ${publicPort})`),
  );

  // nginx: one worker (the proxy alone on one CPU, like the Node proxies), keep-alive upstream.
  const nginxPort = await freePort();
  const ndir = join(base, 'nginx');
  mkdirSync(ndir);
  writeFileSync(
    join(ndir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${ndir}/nginx.pid;
error_log ${ndir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${ndir}/body; proxy_temp_path ${ndir}/proxy;
  fastcgi_temp_path ${ndir}/fcgi; uwsgi_temp_path ${ndir}/uwsgi; scgi_temp_path ${ndir}/scgi;
  upstream sim { server 127.0.0.1:${simPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${nginxPort};
    location / {
      proxy_pass http://sim;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`,
  );
  const nginx = spawn(
    NGINX,
    ['-p', ndir, '-e', join(ndir, 'error.log'), '-c', join(ndir, 'nginx.conf')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(nginx);
  const nginxPids = () => [nginx.pid ?? 0, ...descendants(nginx.pid ?? 0)];

  // Portkey: OpenAI provider with a custom host pointing at the simulator.
  // Its postinstall (patch-package) was not run: without the patch, @hono/node-server reuses the
  // immutable headers of the upstream fetch's Response and every stream fails with 500
  // ("TypeError: immutable" in updateHeaders). The shim gives Portkey a copy with mutable headers,
  // one extra Response object per request, as the patch would.
  const shim = join(base, 'portkey-fetch-shim.mjs');
  writeFileSync(shim, PORTKEY_SHIM);
  const portkeyPort = await freePort();
  const portkey = spawn(
    process.execPath,
    ['--import', shim, PORTKEY, `--port=${portkeyPort}`, '--headless'],
    {
      cwd: base,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  children.push(portkey);
  await waitForLine(portkey, /Ready for connections/, 'portkey');

  // The reference legs: the obvious Node proxy and a TCP pipe, each its own process.
  const startRef = async (file: string, source: string, what: string) => {
    writeFileSync(join(base, file), source);
    const proc = spawn(process.execPath, [join(base, file)], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(proc);
    return { proc, port: await waitForLine(proc, /port (\d+)/, what) };
  };
  const bare = await startRef(
    'bare-proxy.mjs',
    bareProxy(join(process.cwd(), 'node_modules', 'undici', 'index.js'), simPort),
    'bare proxy',
  );
  const pipe = await startRef('tcp-pipe.mjs', tcpPipe(simPort), 'tcp pipe');

  const legs: Leg[] = [
    {
      name: 'direct',
      origin: `http://127.0.0.1:${simPort}`,
      path: '/v1/chat/completions',
      headers: {},
      pids: () => [],
    },
    {
      name: 'aerie',
      origin: cp,
      path: '/v1/chat/completions',
      headers: {},
      pids: () => [serve.pid ?? 0],
    },
    {
      name: 'nginx',
      origin: `http://127.0.0.1:${nginxPort}`,
      path: '/v1/chat/completions',
      headers: {},
      pids: nginxPids,
    },
    {
      name: 'portkey',
      origin: `http://127.0.0.1:${portkeyPort}`,
      path: '/v1/chat/completions',
      headers: {
        authorization: 'Bearer sk-bench',
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `http://127.0.0.1:${simPort}/v1`,
      },
      pids: () => [portkey.pid ?? 0],
    },
    {
      name: 'bare',
      origin: `http://127.0.0.1:${bare.port}`,
      path: '/v1/chat/completions',
      headers: {},
      pids: () => [bare.proc.pid ?? 0],
    },
    {
      name: 'pipe',
      c1Only: true,
      origin: `http://127.0.0.1:${pipe.port}`,
      path: '/v1/chat/completions',
      headers: {},
      pids: () => [pipe.proc.pid ?? 0],
    },
  ];
  await until('nginx', 10_000, async () =>
    (await fetch(`${legs[2]!.origin}/health`)).ok ? true : null,
  );
  for (const leg of legs) await check(leg);

  const all = () => [process.pid, ...simPids(), ...legs.flatMap((l) => l.pids())];
  const line = (label: string, f: LegFigures) =>
    console.log(
      `${label}  c1 p50 ${f.p50_ms_c1.toFixed(3)} ms p99 ${f.p99_ms_c1.toFixed(2)} ms  ` +
        (Number.isNaN(f.rps_c64)
          ? '(c1 only)'
          : `c64 ${f.rps_c64.toFixed(0).padStart(5)} req/s ${String(f.proxy_cpu_us_per_req_c64).padStart(4)} µs cpu/req  ` +
            `sse c16 ${f.sse_streams_per_s_c16.toFixed(0).padStart(5)} streams/s ${(f.sse_bytes_per_s_c16 / 1e6).toFixed(2)} MB/s ` +
            `${String(f.proxy_cpu_us_per_stream_c16).padStart(4)} µs cpu/stream  errors ${f.errors_c64 + f.errors_sse}`),
    );
  const rounds: Record<Mode, Partial<Record<Leg['name'], LegFigures[]>>> = {
    shared: {},
    pinned: {},
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['shared', 'pinned'] as const) {
      for (let i = 0; i < legs.length; i++) {
        const leg = legs[(i + round) % legs.length]!;
        pin(all(), '0,1');
        if (mode === 'pinned') {
          pin([process.pid, ...simPids()], '0');
          pin(leg.pids(), '1');
        }
        const f = await measure(leg);
        (rounds[mode][leg.name] ??= []).push(f);
        line(`round ${round + 1} ${mode.padEnd(6)} ${leg.name.padEnd(7)}`, f);
      }
    }
  }
  pin(all(), '0,1');
  const results: Record<Mode, Partial<Record<Leg['name'], LegFigures>>> = {
    shared: {},
    pinned: {},
  };
  console.log(`\nmedian of ${ROUNDS} rounds, ${SECONDS} s per figure:`);
  for (const mode of ['shared', 'pinned'] as const)
    for (const leg of legs) {
      const f = medianFigures(rounds[mode][leg.name] ?? []);
      results[mode][leg.name] = f;
      line(`${mode.padEnd(6)} ${leg.name.padEnd(7)}`, f);
    }

  // RSS of `aerie serve` (control plane and the in-process demo agent) over a streaming soak.
  const aerie = legs[1]!;
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(rssMb(serve.pid ?? 0)), 1000);
  await cannon(aerie, 16, SSE_BODY, Math.min(10, SOAK_S)); // settle the heap before the baseline
  const rssStart = rssMb(serve.pid ?? 0);
  rss.length = 0;
  const soak = await cannon(aerie, 16, SSE_BODY, SOAK_S);
  clearInterval(sampler);
  const rssEnd = rssMb(serve.pid ?? 0);
  const rssPeak = Math.max(rssStart, ...rss);

  const g = (mode: Mode, name: Leg['name']) => results[mode][name]!;
  const added = (mode: Mode, name: Leg['name']) =>
    g(mode, name).p50_ms_c1 - g(mode, 'direct').p50_ms_c1;
  const ratio = (
    mode: Mode,
    key: 'rps_c64' | 'sse_streams_per_s_c16',
    a: Leg['name'],
    b: Leg['name'],
  ) => g(mode, a)[key] / g(mode, b)[key];
  const targets = [
    {
      what: 'added p50 at c1 (pinned), ms',
      value: added('pinned', 'aerie'),
      target: '≤ 0.20',
      ok: added('pinned', 'aerie') <= 0.2,
    },
    {
      what: 'added p50 at c1 (shared), ms',
      value: added('shared', 'aerie'),
      target: '≤ 0.20',
      ok: added('shared', 'aerie') <= 0.2,
    },
    {
      what: 'c64 pinned, aerie / nginx',
      value: ratio('pinned', 'rps_c64', 'aerie', 'nginx'),
      target: '≥ 0.8',
      ok: ratio('pinned', 'rps_c64', 'aerie', 'nginx') >= 0.8,
    },
    {
      what: 'c64 pinned, aerie / portkey',
      value: ratio('pinned', 'rps_c64', 'aerie', 'portkey'),
      target: '≥ 20',
      ok: ratio('pinned', 'rps_c64', 'aerie', 'portkey') >= 20,
    },
    {
      what: 'sse c16 pinned, aerie / nginx',
      value: ratio('pinned', 'sse_streams_per_s_c16', 'aerie', 'nginx'),
      target: '≥ 0.8',
      ok: ratio('pinned', 'sse_streams_per_s_c16', 'aerie', 'nginx') >= 0.8,
    },
    {
      what: `rss growth over ${SOAK_S} s stream, MB`,
      value: rssEnd - rssStart,
      target: '≤ 20',
      ok: rssEnd - rssStart <= 20,
    },
  ];
  const info = [
    ['c64 shared, aerie / nginx', ratio('shared', 'rps_c64', 'aerie', 'nginx')],
    ['c64 shared, aerie / portkey', ratio('shared', 'rps_c64', 'aerie', 'portkey')],
    ['c64 pinned, aerie / direct', ratio('pinned', 'rps_c64', 'aerie', 'direct')],
    ['c64 pinned, nginx / direct', ratio('pinned', 'rps_c64', 'nginx', 'direct')],
    // No proxy can beat the upstream alone: direct / Portkey bounds every proxy's ratio to Portkey.
    ['c64 pinned, direct / portkey (ceiling)', ratio('pinned', 'rps_c64', 'direct', 'portkey')],
    [
      'cpu per request, portkey / aerie',
      g('pinned', 'portkey').proxy_cpu_us_per_req_c64 /
        g('pinned', 'aerie').proxy_cpu_us_per_req_c64,
    ],
    [
      'cpu per request, aerie / nginx',
      g('pinned', 'aerie').proxy_cpu_us_per_req_c64 / g('pinned', 'nginx').proxy_cpu_us_per_req_c64,
    ],
    ['sse c16 shared, aerie / nginx', ratio('shared', 'sse_streams_per_s_c16', 'aerie', 'nginx')],
    [
      'sse c16 pinned, aerie / portkey',
      ratio('pinned', 'sse_streams_per_s_c16', 'aerie', 'portkey'),
    ],
    ['added p50 c1 pinned, nginx, ms', added('pinned', 'nginx')],
    // The floor: a proxy with no HTTP at all, and the obvious Node proxy, in this same run.
    ['added p50 c1 shared, tcp pipe, ms', added('shared', 'pipe')],
    ['added p50 c1 pinned, tcp pipe, ms', added('pinned', 'pipe')],
    ['added p50 c1 shared, bare node proxy, ms', added('shared', 'bare')],
    ['added p50 c1 pinned, bare node proxy, ms', added('pinned', 'bare')],
    ['c64 pinned, bare node proxy / nginx', ratio('pinned', 'rps_c64', 'bare', 'nginx')],
    ['c64 pinned, aerie / bare node proxy', ratio('pinned', 'rps_c64', 'aerie', 'bare')],
    ['added p50 c1 pinned, portkey, ms', added('pinned', 'portkey')],
    ['rss peak growth, MB', rssPeak - rssStart],
  ] as const;
  console.log('');
  console.log('target'.padEnd(44), 'value'.padStart(9), '  target   ');
  for (const t of targets)
    console.log(
      t.what.padEnd(44),
      t.value.toFixed(3).padStart(9),
      ` ${t.target.padEnd(8)} ${t.ok ? 'met' : 'MISSED'}`,
    );
  for (const [what, value] of info) console.log(what.padEnd(44), value.toFixed(3).padStart(9));
  console.log(
    `soak: ${soak.rps.toFixed(0)} streams/s, ${soak.errors} errors; rss ${rssStart.toFixed(1)} → ${rssEnd.toFixed(1)} MB (peak ${rssPeak.toFixed(1)})`,
  );

  mkdirSync(join('test-results', 'bench'), { recursive: true });
  const file = join('test-results', 'bench', 'gateway.json');
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        cpus: cpus().length,
        load_avg: (await import('node:os')).loadavg(),
        seconds_per_figure: SECONDS,
        soak_seconds: SOAK_S,
        rounds: ROUNDS,
        legs: results,
        legs_per_round: rounds,
        soak: {
          streams_per_s: soak.rps,
          errors: soak.errors,
          rss_start_mb: rssStart,
          rss_end_mb: rssEnd,
          rss_peak_mb: rssPeak,
        },
        targets,
        ratios: Object.fromEntries(info),
      },
      null,
      2,
    )}\n`,
  );
  console.log(`written to ${file}`);
  if (PROFILE_DIR) console.log(`aerie serve's CPU profile goes to ${PROFILE_DIR} when it exits`);
} finally {
  await stopAll();
  rmSync(base, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
}
