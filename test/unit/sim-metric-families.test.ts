import { describe, expect, it } from 'vitest';
import { VLLM_FAMILIES } from '../../src-main/sim/vllm-metric-families.js';
import { type MetricsConfig, VllmMetrics } from '../../src-main/sim/vllm-metrics.js';

const CONFIG: MetricsConfig = {
  modelName: 'q',
  maxModelLen: 40960,
  gpuMemoryUtilization: 0.9,
  cacheDtype: 'auto',
  enablePrefixCaching: true,
  numGpuBlocks: 100,
  maxLoras: 2,
  absentFamilies: ['vllm:engine_sleep_state'],
};

/** The comment lines of a `/metrics` body, in order. */
const helpAndType = (text: string) => text.split('\n').filter((l) => l.startsWith('#'));

/** Histogram family → its `le` bounds, space-joined. */
function bucketBounds(text: string): Record<string, string> {
  const bounds: Record<string, string[]> = {};
  for (const [, family = '', le = ''] of text.matchAll(/^(vllm:\w+)_bucket\{.*le="([^"]+)"/gm))
    (bounds[family] ??= []).push(le);
  return Object.fromEntries(Object.entries(bounds).map(([k, v]) => [k, v.join(' ')]));
}

// Written down from the output of the hand-built families the table replaced: a change to the
// table has to show up here.
const HELP_AND_TYPE = [
  '# HELP vllm:num_requests_running Number of requests in model execution batches.',
  '# TYPE vllm:num_requests_running gauge',
  '# HELP vllm:num_requests_waiting Number of requests waiting to be processed.',
  '# TYPE vllm:num_requests_waiting gauge',
  '# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.',
  '# TYPE vllm:kv_cache_usage_perc gauge',
  '# HELP vllm:prefix_cache_queries_total Prefix cache queries, in terms of number of queried tokens.',
  '# TYPE vllm:prefix_cache_queries_total counter',
  '# HELP vllm:prefix_cache_queries_created Prefix cache queries, in terms of number of queried tokens.',
  '# TYPE vllm:prefix_cache_queries_created gauge',
  '# HELP vllm:prefix_cache_hits_total Prefix cache hits, in terms of number of cached tokens.',
  '# TYPE vllm:prefix_cache_hits_total counter',
  '# HELP vllm:prefix_cache_hits_created Prefix cache hits, in terms of number of cached tokens.',
  '# TYPE vllm:prefix_cache_hits_created gauge',
  '# HELP vllm:num_preemptions_total Cumulative number of preemption from the engine.',
  '# TYPE vllm:num_preemptions_total counter',
  '# HELP vllm:num_preemptions_created Cumulative number of preemption from the engine.',
  '# TYPE vllm:num_preemptions_created gauge',
  '# HELP vllm:prompt_tokens_total Number of prefill tokens processed.',
  '# TYPE vllm:prompt_tokens_total counter',
  '# HELP vllm:prompt_tokens_created Number of prefill tokens processed.',
  '# TYPE vllm:prompt_tokens_created gauge',
  '# HELP vllm:generation_tokens_total Number of generation tokens processed.',
  '# TYPE vllm:generation_tokens_total counter',
  '# HELP vllm:generation_tokens_created Number of generation tokens processed.',
  '# TYPE vllm:generation_tokens_created gauge',
  '# HELP vllm:request_success_total Count of successfully processed requests.',
  '# TYPE vllm:request_success_total counter',
  '# HELP vllm:request_success_created Count of successfully processed requests.',
  '# TYPE vllm:request_success_created gauge',
  '# HELP vllm:request_prompt_tokens Number of prefill tokens processed.',
  '# TYPE vllm:request_prompt_tokens histogram',
  '# HELP vllm:request_prompt_tokens_created Number of prefill tokens processed.',
  '# TYPE vllm:request_prompt_tokens_created gauge',
  '# HELP vllm:request_generation_tokens Number of generation tokens processed.',
  '# TYPE vllm:request_generation_tokens histogram',
  '# HELP vllm:request_generation_tokens_created Number of generation tokens processed.',
  '# TYPE vllm:request_generation_tokens_created gauge',
  '# HELP vllm:iteration_tokens_total Histogram of number of tokens per engine_step.',
  '# TYPE vllm:iteration_tokens_total histogram',
  '# HELP vllm:iteration_tokens_total_created Histogram of number of tokens per engine_step.',
  '# TYPE vllm:iteration_tokens_total_created gauge',
  '# HELP vllm:request_max_num_generation_tokens Histogram of maximum number of requested generation tokens.',
  '# TYPE vllm:request_max_num_generation_tokens histogram',
  '# HELP vllm:request_max_num_generation_tokens_created Histogram of maximum number of requested generation tokens.',
  '# TYPE vllm:request_max_num_generation_tokens_created gauge',
  '# HELP vllm:request_params_n Histogram of the n request parameter.',
  '# TYPE vllm:request_params_n histogram',
  '# HELP vllm:request_params_n_created Histogram of the n request parameter.',
  '# TYPE vllm:request_params_n_created gauge',
  '# HELP vllm:request_params_max_tokens Histogram of the max_tokens request parameter.',
  '# TYPE vllm:request_params_max_tokens histogram',
  '# HELP vllm:request_params_max_tokens_created Histogram of the max_tokens request parameter.',
  '# TYPE vllm:request_params_max_tokens_created gauge',
  '# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.',
  '# TYPE vllm:time_to_first_token_seconds histogram',
  '# HELP vllm:time_to_first_token_seconds_created Histogram of time to first token in seconds.',
  '# TYPE vllm:time_to_first_token_seconds_created gauge',
  '# HELP vllm:time_per_output_token_seconds Histogram of time per output token in seconds.',
  '# TYPE vllm:time_per_output_token_seconds histogram',
  '# HELP vllm:time_per_output_token_seconds_created Histogram of time per output token in seconds.',
  '# TYPE vllm:time_per_output_token_seconds_created gauge',
  '# HELP vllm:inter_token_latency_seconds Histogram of inter-token latency in seconds.',
  '# TYPE vllm:inter_token_latency_seconds histogram',
  '# HELP vllm:inter_token_latency_seconds_created Histogram of inter-token latency in seconds.',
  '# TYPE vllm:inter_token_latency_seconds_created gauge',
  '# HELP vllm:e2e_request_latency_seconds Histogram of e2e request latency in seconds.',
  '# TYPE vllm:e2e_request_latency_seconds histogram',
  '# HELP vllm:e2e_request_latency_seconds_created Histogram of e2e request latency in seconds.',
  '# TYPE vllm:e2e_request_latency_seconds_created gauge',
  '# HELP vllm:request_queue_time_seconds Histogram of time spent in WAITING phase for request.',
  '# TYPE vllm:request_queue_time_seconds histogram',
  '# HELP vllm:request_queue_time_seconds_created Histogram of time spent in WAITING phase for request.',
  '# TYPE vllm:request_queue_time_seconds_created gauge',
  '# HELP vllm:request_inference_time_seconds Histogram of time spent in RUNNING phase for request.',
  '# TYPE vllm:request_inference_time_seconds histogram',
  '# HELP vllm:request_inference_time_seconds_created Histogram of time spent in RUNNING phase for request.',
  '# TYPE vllm:request_inference_time_seconds_created gauge',
  '# HELP vllm:request_prefill_time_seconds Histogram of time spent in PREFILL phase for request.',
  '# TYPE vllm:request_prefill_time_seconds histogram',
  '# HELP vllm:request_prefill_time_seconds_created Histogram of time spent in PREFILL phase for request.',
  '# TYPE vllm:request_prefill_time_seconds_created gauge',
  '# HELP vllm:request_decode_time_seconds Histogram of time spent in DECODE phase for request.',
  '# TYPE vllm:request_decode_time_seconds histogram',
  '# HELP vllm:request_decode_time_seconds_created Histogram of time spent in DECODE phase for request.',
  '# TYPE vllm:request_decode_time_seconds_created gauge',
  '# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig',
  '# TYPE vllm:cache_config_info gauge',
  '# HELP vllm:lora_requests_info Running stats on lora requests.',
  '# TYPE vllm:lora_requests_info gauge',
];

describe('vllm-sim metric family table', () => {
  it('declares each family with its type and label names, in exposition order', () => {
    expect(VLLM_FAMILIES.map((f) => `${f.type} ${f.name} {${f.labels.join(',')}}`)).toEqual([
      'gauge vllm:num_requests_running {engine,model_name}',
      'gauge vllm:num_requests_waiting {engine,model_name}',
      'gauge vllm:kv_cache_usage_perc {engine,model_name}',
      'counter vllm:prefix_cache_queries_total {engine,model_name}',
      'counter vllm:prefix_cache_hits_total {engine,model_name}',
      'counter vllm:num_preemptions_total {engine,model_name}',
      'counter vllm:prompt_tokens_total {engine,model_name}',
      'counter vllm:generation_tokens_total {engine,model_name}',
      'counter vllm:request_success_total {engine,finished_reason,model_name}',
      'histogram vllm:request_prompt_tokens {engine,model_name}',
      'histogram vllm:request_generation_tokens {engine,model_name}',
      'histogram vllm:iteration_tokens_total {engine,model_name}',
      'histogram vllm:request_max_num_generation_tokens {engine,model_name}',
      'histogram vllm:request_params_n {engine,model_name}',
      'histogram vllm:request_params_max_tokens {engine,model_name}',
      'histogram vllm:time_to_first_token_seconds {engine,model_name}',
      'histogram vllm:time_per_output_token_seconds {engine,model_name}',
      'histogram vllm:inter_token_latency_seconds {engine,model_name}',
      'histogram vllm:e2e_request_latency_seconds {engine,model_name}',
      'histogram vllm:request_queue_time_seconds {engine,model_name}',
      'histogram vllm:request_inference_time_seconds {engine,model_name}',
      'histogram vllm:request_prefill_time_seconds {engine,model_name}',
      'histogram vllm:request_decode_time_seconds {engine,model_name}',
      'gauge vllm:cache_config_info {block_size,cache_dtype,enable_prefix_caching,engine,gpu_memory_utilization,num_gpu_blocks}',
      'gauge vllm:engine_sleep_state {engine,model_name,sleep_state}',
      'gauge vllm:lora_requests_info {max_lora,running_lora_adapters,waiting_lora_adapters}',
    ]);
  });

  it('writes the HELP and TYPE lines of every family, with _created for counters and histograms', () => {
    expect(helpAndType(new VllmMetrics(CONFIG, 1).render())).toEqual(HELP_AND_TYPE);
  });

  it("buckets each histogram at vLLM's bounds (1-2-5 up to max_model_len for token counts)", () => {
    expect(bucketBounds(new VllmMetrics(CONFIG, 1).render())).toEqual({
      'vllm:request_prompt_tokens':
        '1.0 2.0 5.0 10.0 20.0 50.0 100.0 200.0 500.0 1000.0 2000.0 5000.0 10000.0 20000.0 +Inf',
      'vllm:request_generation_tokens':
        '1.0 2.0 5.0 10.0 20.0 50.0 100.0 200.0 500.0 1000.0 2000.0 5000.0 10000.0 20000.0 +Inf',
      'vllm:iteration_tokens_total':
        '1.0 8.0 16.0 32.0 64.0 128.0 256.0 512.0 1024.0 2048.0 4096.0 8192.0 16384.0 +Inf',
      'vllm:request_max_num_generation_tokens':
        '1.0 2.0 5.0 10.0 20.0 50.0 100.0 200.0 500.0 1000.0 2000.0 5000.0 10000.0 20000.0 +Inf',
      'vllm:request_params_n': '1.0 2.0 5.0 10.0 20.0 +Inf',
      'vllm:request_params_max_tokens':
        '1.0 2.0 5.0 10.0 20.0 50.0 100.0 200.0 500.0 1000.0 2000.0 5000.0 10000.0 20000.0 +Inf',
      'vllm:time_to_first_token_seconds':
        '0.001 0.005 0.01 0.02 0.04 0.06 0.08 0.1 0.25 0.5 0.75 1.0 2.5 5.0 7.5 10.0 20.0 40.0 80.0 160.0 640.0 2560.0 +Inf',
      'vllm:time_per_output_token_seconds':
        '0.01 0.025 0.05 0.075 0.1 0.15 0.2 0.3 0.4 0.5 0.75 1.0 2.5 5.0 7.5 10.0 20.0 40.0 80.0 +Inf',
      'vllm:inter_token_latency_seconds':
        '0.01 0.025 0.05 0.075 0.1 0.15 0.2 0.3 0.4 0.5 0.75 1.0 2.5 5.0 7.5 10.0 20.0 40.0 80.0 +Inf',
      'vllm:e2e_request_latency_seconds':
        '0.3 0.5 0.8 1.0 1.5 2.0 2.5 5.0 10.0 15.0 20.0 30.0 40.0 50.0 60.0 120.0 240.0 480.0 960.0 1920.0 7680.0 +Inf',
      'vllm:request_queue_time_seconds':
        '0.3 0.5 0.8 1.0 1.5 2.0 2.5 5.0 10.0 15.0 20.0 30.0 40.0 50.0 60.0 120.0 240.0 480.0 960.0 1920.0 7680.0 +Inf',
      'vllm:request_inference_time_seconds':
        '0.3 0.5 0.8 1.0 1.5 2.0 2.5 5.0 10.0 15.0 20.0 30.0 40.0 50.0 60.0 120.0 240.0 480.0 960.0 1920.0 7680.0 +Inf',
      'vllm:request_prefill_time_seconds':
        '0.3 0.5 0.8 1.0 1.5 2.0 2.5 5.0 10.0 15.0 20.0 30.0 40.0 50.0 60.0 120.0 240.0 480.0 960.0 1920.0 7680.0 +Inf',
      'vllm:request_decode_time_seconds':
        '0.3 0.5 0.8 1.0 1.5 2.0 2.5 5.0 10.0 15.0 20.0 30.0 40.0 50.0 60.0 120.0 240.0 480.0 960.0 1920.0 7680.0 +Inf',
    });
  });

  it('leaves out only vllm:lora_requests_info when LoRA is off', () => {
    const text = new VllmMetrics({ ...CONFIG, maxLoras: null }, 1).render();
    expect(helpAndType(text)).toEqual(
      HELP_AND_TYPE.filter((l) => !l.includes('vllm:lora_requests_info')),
    );
  });
});
