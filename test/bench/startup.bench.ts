// Control-plane start-up and settings-read benchmark. Every figure is reported next to a baseline
// measured in the same run (a bare Node HTTP server), so results compare across machines.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const CLI = join(process.cwd(), 'bin', 'aerie.mjs');
const BASELINE_SERVER = `require('http').createServer((q,s)=>s.end('{"status":"ok"}')).listen(0,'127.0.0.1',function(){console.log('listening on http://127.0.0.1:'+this.address().port)})`;

interface Sample {
  listeningMs: number;
  healthMs: number;
}

async function startOnce(args: string[]): Promise<Sample> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, AERIE_LOG_LEVEL: 'warn' },
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`exited ${code} before listening: ${out}`)));
  });
  const listeningMs = performance.now() - t0;
  for (;;) {
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  const healthMs = performance.now() - t0;
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  return { listeningMs, healthMs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function series(
  name: string,
  argsFor: (i: number) => string[],
): Promise<{ listening: number; health: number }> {
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await startOnce(argsFor(i)));
  const r = {
    listening: median(samples.map((s) => s.listeningMs)),
    health: median(samples.map((s) => s.healthMs)),
  };
  console.log(
    `${name.padEnd(28)} listening ${r.listening.toFixed(0).padStart(5)} ms   first /health ${r.health.toFixed(0).padStart(5)} ms`,
  );
  return r;
}

async function load(url: string): Promise<{ p50: number; p99: number; rps: number }> {
  const r = await autocannon({
    url,
    connections: 10,
    duration: Number(process.env.BENCH_SECONDS ?? 5),
  });
  return { p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average };
}

const base = mkdtempSync(join(tmpdir(), 'aerie-bench-startup-'));
const serveArgs = (dir: string) => [
  CLI,
  'serve',
  '--host',
  '127.0.0.1',
  '--port',
  '0',
  '--data-dir',
  dir,
];
console.log(`aerie serve start-up, median of ${RUNS} runs`);
const node = await series('baseline: bare node http', () => ['-e', BASELINE_SERVER]);
const fresh = await series('aerie serve, fresh data dir', (i) =>
  serveArgs(join(base, `fresh-${i}`)),
);
const existing = await series('aerie serve, existing dir', () => serveArgs(join(base, 'existing')));
console.log(
  `ratio to baseline (first /health): fresh ${(fresh.health / node.health).toFixed(2)}x, existing ${(existing.health / node.health).toFixed(2)}x`,
);
console.log(
  `target median start ≤ 1000 ms: fresh ${fresh.health <= 1000 ? 'met' : 'MISSED'}, existing ${existing.health <= 1000 ? 'met' : 'MISSED'}`,
);

const proc = spawn(process.execPath, serveArgs(join(base, 'existing')), {
  stdio: ['ignore', 'pipe', 'ignore'],
  env: { ...process.env, AERIE_LOG_LEVEL: 'warn' },
});
const url = await new Promise<string>((resolve) => {
  let out = '';
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m?.[1]) resolve(m[1]);
  });
});
const body = await (await fetch(`${url}/api/settings`)).text();
const bare = createServer((_q, s) => {
  s.writeHead(200, { 'content-type': 'application/json' });
  s.end(body);
});
await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;
const b = await load(bareUrl);
const a = await load(`${url}/api/settings`);
console.log(
  `GET /api/settings (10 connections): p50 ${a.p50} ms, p99 ${a.p99} ms, ${a.rps.toFixed(0)} req/s`,
);
console.log(
  `baseline bare server same body:   p50 ${b.p50} ms, p99 ${b.p99} ms, ${b.rps.toFixed(0)} req/s`,
);
console.log(`throughput ratio aerie/baseline: ${(a.rps / b.rps).toFixed(2)}`);
proc.kill('SIGTERM');
bare.close();
await new Promise((r) => proc.once('exit', r));
rmSync(base, { recursive: true, force: true });
