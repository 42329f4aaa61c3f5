import { describe, expect, it } from 'vitest';
import {
  exposition,
  floatToGoString,
  formatLabels,
  Histogram,
  Scalar,
} from '../../src-main/sim/prom-format.js';
import { buckets125, VllmMetrics } from '../../src-main/sim/vllm-metrics.js';

describe('Prometheus text like prometheus_client', () => {
  it('formats floats like floatToGoString', () => {
    expect(floatToGoString(3)).toBe('3.0');
    expect(floatToGoString(0.0731)).toBe('0.0731');
    expect(floatToGoString(415877)).toBe('415877.0');
    expect(floatToGoString(1842211)).toBe('1.842211e+06');
    expect(floatToGoString(1761904123.52)).toBe('1.76190412352e+09');
    expect(floatToGoString(1000000)).toBe('1e+06');
    expect(floatToGoString(0.00001)).toBe('1e-05');
    expect(floatToGoString(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(floatToGoString(2560)).toBe('2560.0');
  });

  it('sorts label names', () => {
    expect(formatLabels({ model_name: 'm', le: '0.1', engine: '0' })).toBe(
      '{engine="0",le="0.1",model_name="m"}',
    );
  });

  it('writes counters with _total plus a _created gauge family, and cumulative histogram buckets', () => {
    const c = new Scalar({ model_name: 'm', engine: '0' }, 1761904123.52);
    c.value = 5;
    const h = new Histogram([0.1, 1], { engine: '0', model_name: 'm' }, 1761904123.52);
    h.observe(0.05);
    h.observe(0.5, 2);
    h.observe(3);
    const text = exposition([
      {
        name: 'vllm:prompt_tokens_total',
        help: 'Number of prefill tokens processed.',
        type: 'counter',
        series: [c],
      },
      {
        name: 'vllm:e2e_request_latency_seconds',
        help: 'Histogram of e2e request latency in seconds.',
        type: 'histogram',
        series: [h],
      },
    ]);
    expect(text).toBe(
      [
        '# HELP vllm:prompt_tokens_total Number of prefill tokens processed.',
        '# TYPE vllm:prompt_tokens_total counter',
        'vllm:prompt_tokens_total{engine="0",model_name="m"} 5.0',
        '# HELP vllm:prompt_tokens_created Number of prefill tokens processed.',
        '# TYPE vllm:prompt_tokens_created gauge',
        'vllm:prompt_tokens_created{engine="0",model_name="m"} 1.76190412352e+09',
        '# HELP vllm:e2e_request_latency_seconds Histogram of e2e request latency in seconds.',
        '# TYPE vllm:e2e_request_latency_seconds histogram',
        'vllm:e2e_request_latency_seconds_bucket{engine="0",le="0.1",model_name="m"} 1.0',
        'vllm:e2e_request_latency_seconds_bucket{engine="0",le="1.0",model_name="m"} 3.0',
        'vllm:e2e_request_latency_seconds_bucket{engine="0",le="+Inf",model_name="m"} 4.0',
        'vllm:e2e_request_latency_seconds_count{engine="0",model_name="m"} 4.0',
        'vllm:e2e_request_latency_seconds_sum{engine="0",model_name="m"} 4.05',
        '# HELP vllm:e2e_request_latency_seconds_created Histogram of e2e request latency in seconds.',
        '# TYPE vllm:e2e_request_latency_seconds_created gauge',
        'vllm:e2e_request_latency_seconds_created{engine="0",model_name="m"} 1.76190412352e+09',
        '',
      ].join('\n'),
    );
  });

  it('builds 1-2-5 buckets up to max_model_len', () => {
    expect(buckets125(1000)).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
  });

  it('exposes every finished_reason from the start and the real TTFT bounds', () => {
    const m = new VllmMetrics({
      modelName: 'q',
      maxModelLen: 4096,
      gpuMemoryUtilization: 0.9,
      cacheDtype: 'auto',
      enablePrefixCaching: true,
      numGpuBlocks: 100,
      maxLoras: null,
      absentFamilies: ['vllm:engine_sleep_state'],
    });
    const text = m.render();
    for (const r of ['stop', 'length', 'abort'])
      expect(text).toContain(
        `vllm:request_success_total{engine="0",finished_reason="${r}",model_name="q"} 0.0`,
      );
    expect(text).toContain(
      'vllm:time_to_first_token_seconds_bucket{engine="0",le="2560.0",model_name="q"} 0.0',
    );
    expect(text).toContain(
      'vllm:cache_config_info{block_size="16",cache_dtype="auto",enable_prefix_caching="True",engine="0",gpu_memory_utilization="0.9",num_gpu_blocks="100"} 1.0',
    );
    expect(text).not.toContain('lora_requests_info');
  });

  it('records a finished request in the counters and per-phase histograms', () => {
    const m = new VllmMetrics({
      modelName: 'q',
      maxModelLen: 4096,
      gpuMemoryUtilization: 0.9,
      cacheDtype: 'auto',
      enablePrefixCaching: true,
      numGpuBlocks: 100,
      maxLoras: 1,
      absentFamilies: ['vllm:engine_sleep_state'],
    });
    m.recordFinished('length', {
      queue: 0,
      prefill: 0.02,
      decode: 0.5,
      promptTokens: 10,
      generationTokens: 11,
      maxTokens: 11,
      n: 1,
    });
    const text = m.render();
    expect(text).toContain('vllm:generation_tokens_total{engine="0",model_name="q"} 11.0');
    expect(text).toContain(
      'vllm:request_success_total{engine="0",finished_reason="length",model_name="q"} 1.0',
    );
    expect(text).toContain('vllm:request_decode_time_seconds_sum{engine="0",model_name="q"} 0.5');
    expect(text).toContain(
      'vllm:time_per_output_token_seconds_count{engine="0",model_name="q"} 10.0',
    );
    expect(text).toMatch(
      /vllm:lora_requests_info\{max_lora="1",running_lora_adapters="",waiting_lora_adapters=""\} 1\.\d+e\+09/,
    );
  });
});
