// Benchmark of the vLLM simulator (`node test/bench/sim.bench.mjs`): builds the single-file bundle,
// starts it as a real process and measures
//   1. non-streaming chat completions per second (autocannon, zero simulated latency),
//   2. streamed tokens per second across many concurrent SSE streams,
//   3. resident memory of the simulator with 1,000 open streams.
// The simulator is one Node process, so its figures are for one core. Prints the figures; asserts
// nothing (benchmarks are not tests).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const bundle = join(mkdtempSync(join(tmpdir(), 'aerie-sim-bench-')), 'aerie-vllm-sim.mjs');
const built = spawnSync(process.execPath, ['scripts/build-sim.mjs', '--outfile', bundle], {
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(1);

async function startSim(args, env) {
  const proc = spawn(process.execPath, [bundle, ...args, '--port', '0', '--disable-log-stats'], {
    env: { ...process.env, AERIE_SIM_LOAD_S: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // Drain both pipes: a full pipe would stall the simulator and the bench would measure that.
  proc.stdout.setEncoding('utf8').on('data', (s) => {
    if (out.length < 100_000) out += s;
  });
  proc.stderr.resume();
  const deadline = Date.now() + 15_000;
  for (;;) {
    const m = /Starting vLLM (?:API )?server (?:0 )?on http:\/\/[^:]+:(\d+)/.exec(out);
    if (m && out.includes('Application startup complete.')) return { proc, port: Number(m[1]) };
    if (Date.now() > deadline) throw new Error(`simulator did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stop(sim) {
  sim.proc.kill('SIGTERM');
  await new Promise((r) => sim.proc.once('exit', r));
}

const rssMb = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

const chatBody = (extra) =>
  JSON.stringify({
    model: 'bench',
    messages: [{ role: 'user', content: 'Say something short.' }],
    max_tokens: 16,
    ...extra,
  });

async function nonStreaming() {
  const sim = await startSim(['Qwen/Qwen3-8B', '--served-model-name', 'bench'], {
    AERIE_SIM_TTFT_MS: '0',
    AERIE_SIM_TOKENS_PER_S: '0',
  });
  const run = (duration) =>
    autocannon({
      url: `http://127.0.0.1:${sim.port}/v1/chat/completions`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatBody({}),
      connections: 64,
      duration,
    });
  await run(2);
  const r = await run(seconds);
  const rss = rssMb(sim.proc.pid);
  await stop(sim);
  return {
    reqPerS: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
    rss,
  };
}

const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

/** Opens one SSE stream; counts `data:` events as they arrive. */
function openStream(port, body, onEvents) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/chat/completions',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (s) => onEvents(s.split('data: ').length - 1));
        res.on('end', resolve);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
    openStream.requests.push(req);
  });
}
openStream.requests = [];

async function streaming() {
  const streams = 200;
  const perStream = 1000;
  const sim = await startSim(
    [
      'Qwen/Qwen3-8B',
      '--served-model-name',
      'bench',
      '--max-num-seqs',
      '1024',
      '--max-model-len',
      '200000',
    ],
    { AERIE_SIM_TTFT_MS: '0', AERIE_SIM_TOKENS_PER_S: String(perStream) },
  );
  let events = 0;
  const body = chatBody({ max_tokens: 100_000, ignore_eos: true, stream: true });
  const all = Array.from({ length: streams }, () =>
    openStream(sim.port, body, (n) => (events += n)).catch(() => undefined),
  );
  await new Promise((r) => setTimeout(r, 2000));
  const start = events;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const tokensPerS = ((events - start) * 1000) / (performance.now() - t0);
  for (const req of openStream.requests.splice(0)) req.destroy();
  await Promise.all(all);
  await stop(sim);
  return { streams, perStreamTarget: perStream, tokensPerS, ideal: streams * perStream };
}

async function openStreamsRss() {
  const count = 1000;
  const sim = await startSim(
    [
      'Qwen/Qwen3-8B',
      '--served-model-name',
      'bench',
      '--max-num-seqs',
      '1024',
      '--max-model-len',
      '200000',
    ],
    { AERIE_SIM_TTFT_MS: '20', AERIE_SIM_TOKENS_PER_S: '20' },
  );
  const idle = rssMb(sim.proc.pid);
  const all = Array.from({ length: count }, () =>
    openStream(
      sim.port,
      chatBody({ max_tokens: 100_000, ignore_eos: true, stream: true }),
      () => undefined,
    ).catch(() => undefined),
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = await (await fetch(`http://127.0.0.1:${sim.port}/metrics`)).text();
    const running = Number(/vllm:num_requests_running\{[^}]*\} (\S+)/.exec(text)?.[1] ?? 0);
    if (running >= count || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 3000));
  const loaded = rssMb(sim.proc.pid);
  for (const req of openStream.requests.splice(0)) req.destroy();
  await Promise.all(all);
  await stop(sim);
  return { count, idle, loaded };
}

const ns = await nonStreaming();
console.log(
  `non-streaming chat (64 conns, ${seconds}s, 16 tokens, zero latency): ${ns.reqPerS.toFixed(0)} req/s, p50 ${ns.p50} ms, p99 ${ns.p99} ms, errors ${ns.errors}, RSS ${ns.rss.toFixed(0)} MB`,
);
const st = await streaming();
console.log(
  `streaming: ${st.streams} streams x ${st.perStreamTarget} tok/s target: ${st.tokensPerS.toFixed(0)} tokens/s delivered (ideal ${st.ideal})`,
);
const mem = await openStreamsRss();
console.log(
  `RSS with ${mem.count} open streams: ${mem.loaded.toFixed(0)} MB (idle ${mem.idle.toFixed(0)} MB)`,
);
