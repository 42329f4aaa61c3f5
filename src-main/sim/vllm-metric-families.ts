import type { Family } from './prom-format.js';

/** The `sleep_state` label values of vllm:engine_sleep_state, in exposition order. */
export const SLEEP_STATES = ['awake', 'weights_offloaded', 'discard_all'] as const;
export type SleepStateLabel = (typeof SLEEP_STATES)[number];

/** Why a request finished: the `finished_reason` label of vllm:request_success_total. */
export type FinishedReason = 'stop' | 'length' | 'abort';
/** Every finished_reason, in exposition order (all exposed from the start, at 0). */
export const FINISHED_REASONS: readonly FinishedReason[] = ['stop', 'length', 'abort'];

/** Counters and gauges the simulator sets or adds to by name. */
export type ValueKey =
  | 'running'
  | 'waiting'
  | 'kvUsage'
  | 'prefixCacheQueries'
  | 'prefixCacheHits'
  | 'preemptions'
  | 'promptTokens'
  | 'generationTokens';

/** Histograms the simulator observes into by name. */
export type HistogramKey =
  | 'promptLen'
  | 'genLen'
  | 'iteration'
  | 'maxGen'
  | 'n'
  | 'maxTokens'
  | 'ttft'
  | 'tpot'
  | 'itl'
  | 'e2e'
  | 'queue'
  | 'inference'
  | 'prefill'
  | 'decode';

/**
 * How a family's series are read: one named value; one counter per finished_reason; a histogram
 * (`tokens`: vLLM's 1-2-5 buckets up to max_model_len); an info gauge fixed at 1; or the LoRA
 * info gauge, present only with `--enable-lora`, whose value is the time of the scrape.
 */
export type FamilyRead =
  | { kind: 'value'; key: ValueKey }
  | { kind: 'per-reason' }
  | { kind: 'histogram'; key: HistogramKey; buckets: readonly number[] | 'tokens' }
  | { kind: 'info' }
  | { kind: 'lora-info' }
  | { kind: 'sleep-state' };

/** One metric family of vLLM's `/metrics`: its name, type, help text, label names and source. */
export interface FamilySpec {
  name: string;
  type: Family['type'];
  help: string;
  /** Label names of every series, sorted as prometheus_client writes them. */
  labels: readonly string[];
  read: FamilyRead;
}

const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
  160, 640, 2560,
];
const LATENCY_BUCKETS = [
  0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680,
];
const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
];
const N_BUCKETS = [1, 2, 5, 10, 20];
const ITERATION_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

const ENGINE = ['engine', 'model_name'];
const value = (key: ValueKey): FamilyRead => ({ kind: 'value', key });
const histogram = (key: HistogramKey, buckets: readonly number[] | 'tokens'): FamilyRead => ({
  kind: 'histogram',
  key,
  buckets,
});

/** Engine metric with the `engine` and `model_name` labels. */
const engineFamily = (
  name: string,
  type: Family['type'],
  help: string,
  read: FamilyRead,
): FamilySpec => ({ name, type, help, labels: ENGINE, read });

/**
 * vLLM's engine metric families (interfaces.md §2), in exposition order: the union over the
 * release lines; a server leaves out those its line does not expose (`absentMetrics`).
 */
export const VLLM_FAMILIES: readonly FamilySpec[] = [
  engineFamily(
    'vllm:num_requests_running',
    'gauge',
    'Number of requests in model execution batches.',
    value('running'),
  ),
  engineFamily(
    'vllm:num_requests_waiting',
    'gauge',
    'Number of requests waiting to be processed.',
    value('waiting'),
  ),
  engineFamily(
    'vllm:kv_cache_usage_perc',
    'gauge',
    'KV-cache usage. 1 means 100 percent usage.',
    value('kvUsage'),
  ),
  engineFamily(
    'vllm:prefix_cache_queries_total',
    'counter',
    'Prefix cache queries, in terms of number of queried tokens.',
    value('prefixCacheQueries'),
  ),
  engineFamily(
    'vllm:prefix_cache_hits_total',
    'counter',
    'Prefix cache hits, in terms of number of cached tokens.',
    value('prefixCacheHits'),
  ),
  engineFamily(
    'vllm:num_preemptions_total',
    'counter',
    'Cumulative number of preemption from the engine.',
    value('preemptions'),
  ),
  engineFamily(
    'vllm:prompt_tokens_total',
    'counter',
    'Number of prefill tokens processed.',
    value('promptTokens'),
  ),
  engineFamily(
    'vllm:generation_tokens_total',
    'counter',
    'Number of generation tokens processed.',
    value('generationTokens'),
  ),
  {
    name: 'vllm:request_success_total',
    type: 'counter',
    help: 'Count of successfully processed requests.',
    labels: ['engine', 'finished_reason', 'model_name'],
    read: { kind: 'per-reason' },
  },
  engineFamily(
    'vllm:request_prompt_tokens',
    'histogram',
    'Number of prefill tokens processed.',
    histogram('promptLen', 'tokens'),
  ),
  engineFamily(
    'vllm:request_generation_tokens',
    'histogram',
    'Number of generation tokens processed.',
    histogram('genLen', 'tokens'),
  ),
  engineFamily(
    'vllm:iteration_tokens_total',
    'histogram',
    'Histogram of number of tokens per engine_step.',
    histogram('iteration', ITERATION_BUCKETS),
  ),
  engineFamily(
    'vllm:request_max_num_generation_tokens',
    'histogram',
    'Histogram of maximum number of requested generation tokens.',
    histogram('maxGen', 'tokens'),
  ),
  engineFamily(
    'vllm:request_params_n',
    'histogram',
    'Histogram of the n request parameter.',
    histogram('n', N_BUCKETS),
  ),
  engineFamily(
    'vllm:request_params_max_tokens',
    'histogram',
    'Histogram of the max_tokens request parameter.',
    histogram('maxTokens', 'tokens'),
  ),
  engineFamily(
    'vllm:time_to_first_token_seconds',
    'histogram',
    'Histogram of time to first token in seconds.',
    histogram('ttft', TTFT_BUCKETS),
  ),
  engineFamily(
    'vllm:time_per_output_token_seconds',
    'histogram',
    'Histogram of time per output token in seconds.',
    histogram('tpot', ITL_BUCKETS),
  ),
  engineFamily(
    'vllm:inter_token_latency_seconds',
    'histogram',
    'Histogram of inter-token latency in seconds.',
    histogram('itl', ITL_BUCKETS),
  ),
  engineFamily(
    'vllm:e2e_request_latency_seconds',
    'histogram',
    'Histogram of e2e request latency in seconds.',
    histogram('e2e', LATENCY_BUCKETS),
  ),
  engineFamily(
    'vllm:request_queue_time_seconds',
    'histogram',
    'Histogram of time spent in WAITING phase for request.',
    histogram('queue', LATENCY_BUCKETS),
  ),
  engineFamily(
    'vllm:request_inference_time_seconds',
    'histogram',
    'Histogram of time spent in RUNNING phase for request.',
    histogram('inference', LATENCY_BUCKETS),
  ),
  engineFamily(
    'vllm:request_prefill_time_seconds',
    'histogram',
    'Histogram of time spent in PREFILL phase for request.',
    histogram('prefill', LATENCY_BUCKETS),
  ),
  engineFamily(
    'vllm:request_decode_time_seconds',
    'histogram',
    'Histogram of time spent in DECODE phase for request.',
    histogram('decode', LATENCY_BUCKETS),
  ),
  {
    name: 'vllm:cache_config_info',
    type: 'gauge',
    help: 'Information of the LLMEngine CacheConfig',
    labels: [
      'block_size',
      'cache_dtype',
      'enable_prefix_caching',
      'engine',
      'gpu_memory_utilization',
      'num_gpu_blocks',
    ],
    read: { kind: 'info' },
  },
  {
    // Current releases only; one series per state, 1 on the engine's current one.
    name: 'vllm:engine_sleep_state',
    type: 'gauge',
    help: 'Engine sleep state; awake = 0 means engine is sleeping; awake = 1 means engine is awake.',
    labels: ['engine', 'model_name', 'sleep_state'],
    read: { kind: 'sleep-state' },
  },
  {
    name: 'vllm:lora_requests_info',
    type: 'gauge',
    help: 'Running stats on lora requests.',
    labels: ['max_lora', 'running_lora_adapters', 'waiting_lora_adapters'],
    read: { kind: 'lora-info' },
  },
];
