// Agent `GET /deployments/status` latency with 50 live deployments (real simulator processes on the
// process runtime, simulated GPUs), next to `GET /health` on the same agent as the baseline.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const COUNT = Number(process.env.BENCH_DEPLOYMENTS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CLI = join(process.cwd(), 'bin', 'aerie.mjs');
const dataDir = mkdtempSync(join(tmpdir(), 'aerie-bench-agent-'));
const token = 'bench-cluster-token-0123456789';
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

const agent = spawn(
  process.execPath,
  [
    CLI,
    'agent',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--cluster-token',
    token,
    '--runtime',
    'process',
    '--simulate-gpus',
    '8xH100-80GB',
  ],
  { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, AERIE_LOG_LEVEL: 'warn' } },
);
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  agent.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /agent listening on (http:\/\/\S+)/.exec(out);
    if (m?.[1]) resolve(m[1]);
  });
  agent.on('exit', (code) => reject(new Error(`agent exited ${code}`)));
});

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const t0 = performance.now();
for (let i = 0; i < COUNT; i++) {
  await call('POST', '/deployments/start', {
    model_name: `bench/model-${i}`,
    port: 21000 + i,
    gpu_memory_fraction: 0.1,
    gpu_ids: [i % 8],
    env_vars: [{ key: 'AERIE_SIM_LOAD_S', value: '0.2' }],
  });
}
for (;;) {
  const s = (await call('GET', '/deployments/status')) as { deployments: { status: string }[] };
  if (s.deployments.filter((d) => d.status === 'running').length === COUNT) break;
  await new Promise((r) => setTimeout(r, 250));
}
console.log(`${COUNT} deployments running after ${((performance.now() - t0) / 1000).toFixed(1)} s`);

async function load(path: string) {
  const r = await autocannon({ url: `${url}${path}`, connections: 10, duration: SECONDS, headers });
  return {
    p50: r.latency.p50,
    p99: r.latency.p99,
    rps: r.requests.average,
    errors: r.non2xx + r.errors,
  };
}
const base = await load('/health');
const status = await load('/deployments/status');
console.log(
  `GET /health (baseline):          p50 ${base.p50} ms, p99 ${base.p99} ms, ${base.rps.toFixed(0)} req/s`,
);
console.log(
  `GET /deployments/status (${COUNT}):  p50 ${status.p50} ms, p99 ${status.p99} ms, ${status.rps.toFixed(0)} req/s, ${status.errors} errors`,
);
console.log(`throughput ratio status/health: ${(status.rps / base.rps).toFixed(2)}`);

for (let i = 0; i < COUNT; i++)
  await call('POST', '/deployments/stop', { key: `bench/model-${i}:${21000 + i}` });
for (;;) {
  const s = (await call('GET', '/deployments/status')) as { deployments: { status: string }[] };
  if (s.deployments.every((d) => d.status === 'stopped')) break;
  await new Promise((r) => setTimeout(r, 250));
}
agent.kill('SIGTERM');
await new Promise((r) => agent.once('exit', r));
rmSync(dataDir, { recursive: true, force: true });
