import { exposition, type Family, Histogram, type Labels, Scalar } from './prom-format.js';

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

/** 1, 2, 5, 10, 20, 50, … up to `max` (vLLM's build_1_2_5_buckets). */
export function buckets125(max: number): number[] {
  const out: number[] = [];
  for (let exp = 1; ; exp *= 10) {
    for (const m of [1, 2, 5]) {
      if (m * exp > max) return out;
      out.push(m * exp);
    }
  }
}

export type FinishedReason = 'stop' | 'length' | 'abort';

export interface MetricsConfig {
  modelName: string;
  maxModelLen: number;
  gpuMemoryUtilization: number;
  cacheDtype: string;
  enablePrefixCaching: boolean;
  numGpuBlocks: number;
  /** `max_lora` label of vllm:lora_requests_info, or null when LoRA is off. */
  maxLoras: number | null;
}

/** Per-request timings in seconds, recorded when a request finishes. */
export interface RequestTimings {
  queue: number;
  prefill: number;
  decode: number;
  promptTokens: number;
  generationTokens: number;
  maxTokens: number;
  n: number;
}

/** The vLLM engine metrics (interfaces.md §2), labelled and formatted like vLLM v0.10–0.12. */
export class VllmMetrics {
  readonly running: Scalar;
  readonly waiting: Scalar;
  readonly kvUsage: Scalar;
  readonly promptTokens: Scalar;
  readonly generationTokens: Scalar;
  readonly success: Record<FinishedReason, Scalar>;
  private readonly families: Family[];
  private readonly h: Record<string, Histogram>;
  private readonly loraInfo: Scalar | null;
  private loraLabels: Labels = {};

  constructor(
    private readonly cfg: MetricsConfig,
    now = Date.now() / 1000,
  ) {
    const l: Labels = { engine: '0', model_name: cfg.modelName };
    const scalar = (labels: Labels = l) => new Scalar(labels, now);
    const hist = (bounds: readonly number[]) => new Histogram(bounds, l, now);
    this.running = scalar();
    this.waiting = scalar();
    this.kvUsage = scalar();
    this.promptTokens = scalar();
    this.generationTokens = scalar();
    const reason = (r: FinishedReason) => scalar({ ...l, finished_reason: r });
    this.success = { stop: reason('stop'), length: reason('length'), abort: reason('abort') };
    const tokenBuckets = buckets125(cfg.maxModelLen);
    this.h = {
      ttft: hist(TTFT_BUCKETS),
      itl: hist(ITL_BUCKETS),
      tpot: hist(ITL_BUCKETS),
      e2e: hist(LATENCY_BUCKETS),
      queue: hist(LATENCY_BUCKETS),
      inference: hist(LATENCY_BUCKETS),
      prefill: hist(LATENCY_BUCKETS),
      decode: hist(LATENCY_BUCKETS),
      promptLen: hist(tokenBuckets),
      genLen: hist(tokenBuckets),
      maxTokens: hist(tokenBuckets),
      maxGen: hist(tokenBuckets),
      n: hist(N_BUCKETS),
      iteration: hist(ITERATION_BUCKETS),
    };
    const cacheInfo = scalar({
      block_size: '16',
      cache_dtype: cfg.cacheDtype,
      enable_prefix_caching: cfg.enablePrefixCaching ? 'True' : 'False',
      engine: '0',
      gpu_memory_utilization: String(cfg.gpuMemoryUtilization),
      num_gpu_blocks: String(cfg.numGpuBlocks),
    });
    cacheInfo.value = 1;
    this.loraInfo = cfg.maxLoras === null ? null : new Scalar({}, now);
    const h = this.h;
    const fam = (
      name: string,
      help: string,
      type: Family['type'],
      series: (Scalar | Histogram)[],
    ): Family => ({ name, help, type, series });
    const one = (k: string) => [h[k] as Histogram];
    this.families = [
      fam('vllm:num_requests_running', 'Number of requests in model execution batches.', 'gauge', [
        this.running,
      ]),
      fam('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', 'gauge', [
        this.waiting,
      ]),
      fam('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', 'gauge', [
        this.kvUsage,
      ]),
      fam(
        'vllm:prefix_cache_queries_total',
        'Prefix cache queries, in terms of number of queried tokens.',
        'counter',
        [scalar()],
      ),
      fam(
        'vllm:prefix_cache_hits_total',
        'Prefix cache hits, in terms of number of cached tokens.',
        'counter',
        [scalar()],
      ),
      fam(
        'vllm:num_preemptions_total',
        'Cumulative number of preemption from the engine.',
        'counter',
        [scalar()],
      ),
      fam('vllm:prompt_tokens_total', 'Number of prefill tokens processed.', 'counter', [
        this.promptTokens,
      ]),
      fam('vllm:generation_tokens_total', 'Number of generation tokens processed.', 'counter', [
        this.generationTokens,
      ]),
      fam('vllm:request_success_total', 'Count of successfully processed requests.', 'counter', [
        this.success.stop,
        this.success.length,
        this.success.abort,
      ]),
      fam(
        'vllm:request_prompt_tokens',
        'Number of prefill tokens processed.',
        'histogram',
        one('promptLen'),
      ),
      fam(
        'vllm:request_generation_tokens',
        'Number of generation tokens processed.',
        'histogram',
        one('genLen'),
      ),
      fam(
        'vllm:iteration_tokens_total',
        'Histogram of number of tokens per engine_step.',
        'histogram',
        one('iteration'),
      ),
      fam(
        'vllm:request_max_num_generation_tokens',
        'Histogram of maximum number of requested generation tokens.',
        'histogram',
        one('maxGen'),
      ),
      fam('vllm:request_params_n', 'Histogram of the n request parameter.', 'histogram', one('n')),
      fam(
        'vllm:request_params_max_tokens',
        'Histogram of the max_tokens request parameter.',
        'histogram',
        one('maxTokens'),
      ),
      fam(
        'vllm:time_to_first_token_seconds',
        'Histogram of time to first token in seconds.',
        'histogram',
        one('ttft'),
      ),
      fam(
        'vllm:time_per_output_token_seconds',
        'Histogram of time per output token in seconds.',
        'histogram',
        one('tpot'),
      ),
      fam(
        'vllm:inter_token_latency_seconds',
        'Histogram of inter-token latency in seconds.',
        'histogram',
        one('itl'),
      ),
      fam(
        'vllm:e2e_request_latency_seconds',
        'Histogram of e2e request latency in seconds.',
        'histogram',
        one('e2e'),
      ),
      fam(
        'vllm:request_queue_time_seconds',
        'Histogram of time spent in WAITING phase for request.',
        'histogram',
        one('queue'),
      ),
      fam(
        'vllm:request_inference_time_seconds',
        'Histogram of time spent in RUNNING phase for request.',
        'histogram',
        one('inference'),
      ),
      fam(
        'vllm:request_prefill_time_seconds',
        'Histogram of time spent in PREFILL phase for request.',
        'histogram',
        one('prefill'),
      ),
      fam(
        'vllm:request_decode_time_seconds',
        'Histogram of time spent in DECODE phase for request.',
        'histogram',
        one('decode'),
      ),
      fam('vllm:cache_config_info', 'Information of the LLMEngine CacheConfig', 'gauge', [
        cacheInfo,
      ]),
    ];
    this.setLoraRequests([], []);
  }

  /** Records a request that ran to completion ("stop" or "length"). */
  recordFinished(reason: FinishedReason, t: RequestTimings): void {
    this.success[reason].value++;
    this.generationTokens.value += t.generationTokens;
    const h = this.h;
    const obs = (k: string, v: number, times = 1) => h[k]?.observe(v, times);
    obs('ttft', t.queue + t.prefill);
    obs('e2e', t.queue + t.prefill + t.decode);
    obs('queue', t.queue);
    obs('prefill', t.prefill);
    obs('decode', t.decode);
    obs('inference', t.prefill + t.decode);
    obs('promptLen', t.promptTokens);
    obs('genLen', t.generationTokens);
    obs('maxTokens', t.maxTokens);
    obs('maxGen', t.maxTokens);
    obs('n', t.n);
    obs('iteration', t.promptTokens);
    if (t.generationTokens > 1) {
      const perToken = t.decode / (t.generationTokens - 1);
      obs('itl', perToken, t.generationTokens - 1);
      obs('tpot', perToken, t.generationTokens - 1);
      obs('iteration', 1, t.generationTokens - 1);
    }
  }

  /** Records an aborted request (client went away, or the engine stopped it). */
  recordAborted(generationTokens: number): void {
    this.success.abort.value++;
    this.generationTokens.value += generationTokens;
  }

  /** Sets the adapters shown by vllm:lora_requests_info (comma-joined names). */
  setLoraRequests(running: readonly string[], waiting: readonly string[]): void {
    if (!this.loraInfo) return;
    this.loraLabels = {
      max_lora: String(this.cfg.maxLoras),
      running_lora_adapters: running.join(','),
      waiting_lora_adapters: waiting.join(','),
    };
  }

  /** The whole `/metrics` body. */
  render(): string {
    const families = [...this.families];
    if (this.loraInfo) {
      const s = new Scalar(this.loraLabels, this.loraInfo.created);
      s.value = Date.now() / 1000;
      families.push({
        name: 'vllm:lora_requests_info',
        help: 'Running stats on lora requests.',
        type: 'gauge',
        series: [s],
      });
    }
    return exposition(families);
  }
}
