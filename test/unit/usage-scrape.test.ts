import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../src-main/shared/prometheus.js';
import {
  INITIAL_USAGE_STATE,
  computeUsage,
  type UsageScrapeState,
} from '../../src-main/shared/usage-scrape.js';

interface Counters {
  prompt: number;
  gen: number;
  ok: number;
  running?: number;
  waiting?: number;
  prefill?: number;
  decode?: number;
  ttft?: number;
  tpot?: [sum: number, count: number];
  tpotName?: string;
}

const L = 'engine="0",model_name="m"';
/** A vLLM-shaped exposition, with the counters split across finished reasons as vLLM does. */
function expo(c: Counters) {
  const lines = [
    '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running{${L}} ${c.running ?? 0}.0`,
    `vllm:num_requests_waiting{${L}} ${c.waiting ?? 0}.0`,
    '# TYPE vllm:prompt_tokens_total counter',
    `vllm:prompt_tokens_total{${L}} ${c.prompt}.0`,
    `vllm:prompt_tokens_created{${L}} 1.76190412352e+09`,
    `vllm:generation_tokens_total{${L}} ${c.gen}.0`,
    `vllm:request_success_total{engine="0",finished_reason="stop",model_name="m"} ${c.ok - Math.floor(c.ok / 3)}.0`,
    `vllm:request_success_total{engine="0",finished_reason="length",model_name="m"} ${Math.floor(c.ok / 3)}.0`,
    `vllm:request_success_created{engine="0",finished_reason="stop",model_name="m"} 1.76190412352e+09`,
  ];
  const hist = (name: string, sum: number | undefined, count = c.ok) => {
    if (sum === undefined) return;
    lines.push(`vllm:${name}_bucket{engine="0",le="+Inf",model_name="m"} ${count}.0`);
    lines.push(`vllm:${name}_count{${L}} ${count}.0`, `vllm:${name}_sum{${L}} ${sum}`);
  };
  hist('request_prefill_time_seconds', c.prefill);
  hist('request_decode_time_seconds', c.decode);
  hist('time_to_first_token_seconds', c.ttft);
  if (c.tpot) hist(c.tpotName ?? 'time_per_output_token_seconds', c.tpot[0], c.tpot[1]);
  return parsePrometheusText(lines.join('\n'));
}

const T0 = 1_700_000_000_000;

/** Feeds scrapes 15 s apart and returns every result. */
function run(...scrapes: Counters[]) {
  let state: UsageScrapeState = INITIAL_USAGE_STATE;
  return scrapes.map((c, i) => {
    const r = computeUsage(state, expo(c), T0 + i * 15_000);
    state = r.state;
    return r;
  });
}

describe('computeUsage', () => {
  it('returns nothing, and keeps its state, when the scrape has no vLLM counters', () => {
    const [first] = run({ prompt: 100, gen: 50, ok: 2, prefill: 0.1, decode: 1 });
    const empty = computeUsage(
      first!.state,
      parsePrometheusText('process_cpu_seconds_total 3.2\n'),
      T0 + 30_000,
    );
    expect(empty.usage).toBeNull();
    expect(empty.state).toBe(first!.state);
    expect(computeUsage(INITIAL_USAGE_STATE, parsePrometheusText(''), T0).usage).toBeNull();
  });

  it('reports summed counters and gauges, with no speeds before any request completes', () => {
    const [r] = run({ prompt: 0, gen: 0, ok: 0, running: 2, waiting: 1 });
    expect(r!.usage).toEqual({
      prompt_tokens: 0,
      generation_tokens: 0,
      requests: 0,
      requests_running: 2,
      requests_waiting: 1,
    });
  });

  it('excludes the warm-up request from the per-request speeds', () => {
    const [, warm] = run(
      { prompt: 0, gen: 0, ok: 0 },
      { prompt: 20, gen: 100, ok: 1, prefill: 9.0, decode: 30.0 },
    );
    expect(warm!.usage).toMatchObject({ prompt_tokens: 20, generation_tokens: 100, requests: 1 });
    expect(warm!.usage?.prompt_tps).toBeUndefined();
    expect(warm!.usage?.generation_tps).toBeUndefined();
    expect(warm!.state.baseline?.requests).toBe(1);
  });

  it('measures speeds over processing time since the warm-up baseline, rounded to 0.1', () => {
    const [, , r] = run(
      { prompt: 0, gen: 0, ok: 0 },
      { prompt: 20, gen: 100, ok: 1, prefill: 9.0, decode: 30.0 },
      { prompt: 1020, gen: 2100, ok: 5, prefill: 9.3, decode: 40.5 },
    );
    // 1000 prompt tokens / 0.3 s prefill; 2000 generated / 10.5 s decode.
    expect(r!.usage?.prompt_tps).toBe(3333.3);
    expect(r!.usage?.generation_tps).toBe(190.5);
  });

  it('falls back to TTFT and TPOT when the per-phase histograms are missing', () => {
    const [, r] = run(
      { prompt: 10, gen: 10, ok: 1, ttft: 5, tpot: [2, 9] },
      { prompt: 410, gen: 310, ok: 3, ttft: 5.8, tpot: [4, 309] },
    );
    expect(r!.usage?.prompt_tps).toBe(500); // 400 / 0.8 s, a lower bound
    expect(r!.usage?.generation_tps).toBe(150); // 300 tokens over 2 s between tokens
  });

  it('accepts the newer inter-token latency histogram name', () => {
    const [, r] = run(
      { prompt: 10, gen: 10, ok: 1, tpot: [1, 9], tpotName: 'inter_token_latency_seconds' },
      { prompt: 10, gen: 110, ok: 2, tpot: [2, 109], tpotName: 'inter_token_latency_seconds' },
    );
    expect(r!.usage?.generation_tps).toBe(100);
  });

  it('reports engine throughput over the wall time between scrapes, only when the window was active', () => {
    const [, active, idle] = run(
      { prompt: 20, gen: 100, ok: 1, prefill: 1, decode: 2 },
      { prompt: 320, gen: 1600, ok: 4, prefill: 1.2, decode: 9.5 },
      { prompt: 320, gen: 1600, ok: 4, prefill: 1.2, decode: 9.5 },
    );
    expect(active!.usage).toMatchObject({ prompt_throughput: 20, generation_throughput: 100 });
    expect(idle!.usage?.prompt_throughput).toBeUndefined();
    // Per-request speeds survive the idle window.
    expect(idle!.usage).toMatchObject({ prompt_tps: 1500, generation_tps: 200 });
  });

  it('re-baselines after a counter reset and keeps the last known speeds meanwhile', () => {
    const results = run(
      { prompt: 20, gen: 100, ok: 1, prefill: 1, decode: 2 },
      { prompt: 320, gen: 1600, ok: 4, prefill: 1.2, decode: 9.5 },
      { prompt: 30, gen: 40, ok: 1, prefill: 5, decode: 8 }, // engine restarted; its warm-up request
      { prompt: 130, gen: 440, ok: 2, prefill: 5.5, decode: 12 },
    );
    const [, , restarted, after] = results;
    expect(restarted!.usage).toMatchObject({
      prompt_tokens: 30,
      requests: 1,
      prompt_tps: 1500,
      generation_tps: 200,
    });
    expect(restarted!.usage?.prompt_throughput).toBeUndefined();
    expect(restarted!.state.baseline?.prompt_tokens).toBe(30);
    expect(after!.usage).toMatchObject({
      prompt_tps: 200,
      generation_tps: 100,
      prompt_throughput: 6.7,
    });
  });

  it('sums counters across engines and finished reasons', () => {
    const text = [
      'vllm:prompt_tokens_total{engine="0",model_name="m"} 100.0',
      'vllm:prompt_tokens_total{engine="1",model_name="m"} 50.0',
      'vllm:generation_tokens_total{engine="0",model_name="m"} 7.0',
      'vllm:request_success_total{engine="0",finished_reason="stop",model_name="m"} 3.0',
      'vllm:request_success_total{engine="1",finished_reason="abort",model_name="m"} 1.0',
      'vllm:num_requests_running{engine="0",model_name="m"} 2.0',
      'vllm:num_requests_running{engine="1",model_name="m"} 1.0',
    ].join('\n');
    const { usage } = computeUsage(INITIAL_USAGE_STATE, parsePrometheusText(text), T0);
    expect(usage).toEqual({
      prompt_tokens: 150,
      generation_tokens: 7,
      requests: 4,
      requests_running: 3,
    });
  });
});
