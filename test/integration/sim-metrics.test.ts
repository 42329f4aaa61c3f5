import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimProcess, startSim } from '../helpers/sim-process.js';
import { waitFor } from '../helpers/wait.js';

let sim: SimProcess;

beforeAll(async () => {
  sim = await startSim(['Qwen/Qwen3-8B', '--served-model-name', 'qwen3-8b'], {
    AERIE_SIM_TOKENS_PER_S: '1000',
    AERIE_SIM_TTFT_MS: '5',
  });
});
afterAll(async () => {
  await sim?.stop();
});

async function metrics(): Promise<string> {
  const r = await fetch(`${sim.baseUrl}/metrics`);
  expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return r.text();
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no series ${series}`);
  return Number(line.slice(series.length + 1));
}

const L = '{engine="0",model_name="qwen3-8b"}';
const post = (body: unknown, signal?: AbortSignal) =>
  fetch(`${sim.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });

describe('vllm-sim /metrics', () => {
  it('exposes the vLLM metric families with their types and model_name/engine labels', async () => {
    const text = await metrics();
    const types: Record<string, string> = {
      'vllm:num_requests_running': 'gauge',
      'vllm:num_requests_waiting': 'gauge',
      'vllm:kv_cache_usage_perc': 'gauge',
      'vllm:prompt_tokens_total': 'counter',
      'vllm:generation_tokens_total': 'counter',
      'vllm:request_success_total': 'counter',
      'vllm:time_to_first_token_seconds': 'histogram',
      'vllm:e2e_request_latency_seconds': 'histogram',
      'vllm:request_prefill_time_seconds': 'histogram',
      'vllm:request_decode_time_seconds': 'histogram',
      'vllm:inter_token_latency_seconds': 'histogram',
      'vllm:request_queue_time_seconds': 'histogram',
      'vllm:prompt_tokens_created': 'gauge',
      'vllm:cache_config_info': 'gauge',
    };
    for (const [name, type] of Object.entries(types))
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
    expect(text).toContain(`vllm:num_requests_running${L} 0.0`);
    expect((await fetch(`${sim.baseUrl}/metrics/`)).status).toBe(200);
  });

  it('moves token counters, success counts and histograms by what the responses report', async () => {
    const before = await metrics();
    const r = (await (
      await post({
        model: 'qwen3-8b',
        messages: [{ role: 'user', content: 'count me' }],
        max_tokens: 6,
      })
    ).json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    const after = await metrics();
    const delta = (s: string) => sample(after, s) - sample(before, s);
    expect(delta(`vllm:prompt_tokens_total${L}`)).toBe(r.usage.prompt_tokens);
    expect(delta(`vllm:generation_tokens_total${L}`)).toBe(6);
    expect(
      delta(
        'vllm:request_success_total{engine="0",finished_reason="length",model_name="qwen3-8b"}',
      ),
    ).toBe(1);
    expect(delta(`vllm:e2e_request_latency_seconds_count${L}`)).toBe(1);
    expect(delta(`vllm:request_decode_time_seconds_sum${L}`)).toBeGreaterThan(0);
    expect(delta(`vllm:time_to_first_token_seconds_count${L}`)).toBe(1);
  });

  it('shows an in-flight stream in num_requests_running and counts a client abort', async () => {
    const before = await metrics();
    const ctrl = new AbortController();
    const res = await post(
      {
        model: 'qwen3-8b',
        messages: [{ role: 'user', content: 'long one' }],
        max_tokens: 1500,
        ignore_eos: true,
        stream: true,
      },
      ctrl.signal,
    );
    const reader = res.body!.getReader();
    await reader.read();
    await waitFor(
      async () => sample(await metrics(), `vllm:num_requests_running${L}`) === 1,
      5000,
      'running == 1',
    );
    expect(sample(await metrics(), `vllm:kv_cache_usage_perc${L}`)).toBeGreaterThan(0);
    ctrl.abort();
    await waitFor(
      async () => sample(await metrics(), `vllm:num_requests_running${L}`) === 0,
      5000,
      'running == 0',
    );
    const after = await metrics();
    expect(
      sample(
        after,
        'vllm:request_success_total{engine="0",finished_reason="abort",model_name="qwen3-8b"}',
      ) -
        sample(
          before,
          'vllm:request_success_total{engine="0",finished_reason="abort",model_name="qwen3-8b"}',
        ),
    ).toBe(1);
    const generated =
      sample(after, `vllm:generation_tokens_total${L}`) -
      sample(before, `vllm:generation_tokens_total${L}`);
    expect(generated).toBeGreaterThan(0);
    expect(generated).toBeLessThan(1500);
  });

  it('aborts a non-streaming request whose client disconnects', async () => {
    const before = await metrics();
    const ctrl = new AbortController();
    const pending = post(
      {
        model: 'qwen3-8b',
        messages: [{ role: 'user', content: 'slow' }],
        max_tokens: 1500,
        ignore_eos: true,
      },
      ctrl.signal,
    ).catch(() => null);
    await waitFor(
      async () => sample(await metrics(), `vllm:num_requests_running${L}`) === 1,
      5000,
      'running == 1',
    );
    ctrl.abort();
    await pending;
    await waitFor(
      async () => sample(await metrics(), `vllm:num_requests_running${L}`) === 0,
      5000,
      'running == 0',
    );
    const key =
      'vllm:request_success_total{engine="0",finished_reason="abort",model_name="qwen3-8b"}';
    expect(sample(await metrics(), key) - sample(before, key)).toBe(1);
  });
});
