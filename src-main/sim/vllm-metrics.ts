import { exposition, Histogram, type Labels, Scalar } from './prom-format.js';
import {
  type FamilySpec,
  FINISHED_REASONS,
  type FinishedReason,
  type HistogramKey,
  SLEEP_STATES,
  type SleepStateLabel,
  type ValueKey,
  VLLM_FAMILIES,
} from './vllm-metric-families.js';

export type { FinishedReason } from './vllm-metric-families.js';

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

export interface MetricsConfig {
  modelName: string;
  maxModelLen: number;
  gpuMemoryUtilization: number;
  cacheDtype: string;
  enablePrefixCaching: boolean;
  numGpuBlocks: number;
  /** `max_lora` label of vllm:lora_requests_info, or null when LoRA is off. */
  maxLoras: number | null;
  /** Families this server's vLLM line does not expose (shared/vllm-versions.ts). */
  absentFamilies: readonly string[];
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

type Series = Scalar | Histogram;

/** A family as exposed: its spec and its series at scrape time. */
interface LiveFamily {
  spec: FamilySpec;
  series: () => readonly Series[];
}

/** The label values that do not change while the server runs. */
function fixedLabelValues(cfg: MetricsConfig): Record<string, string> {
  return {
    engine: '0',
    model_name: cfg.modelName,
    block_size: '16',
    cache_dtype: cfg.cacheDtype,
    enable_prefix_caching: cfg.enablePrefixCaching ? 'True' : 'False',
    gpu_memory_utilization: String(cfg.gpuMemoryUtilization),
    num_gpu_blocks: String(cfg.numGpuBlocks),
  };
}

/** The labels named by `names`, from `values`; throws when the table names one without a value. */
function pickLabels(names: readonly string[], values: Record<string, string>): Labels {
  return Object.fromEntries(
    names.map((n) => {
      const v = values[n];
      if (v === undefined) throw new Error(`metric label ${n} has no value`);
      return [n, v];
    }),
  );
}

function mustGet<K, V>(map: ReadonlyMap<K, V>, key: K): V {
  const v = map.get(key);
  if (v === undefined) throw new Error(`metric ${String(key)} is missing from VLLM_FAMILIES`);
  return v;
}

/**
 * The vLLM engine metrics (interfaces.md §2), labelled and formatted like vLLM v0.10–0.12; the
 * families, their order and labels come from VLLM_FAMILIES.
 */
export class VllmMetrics {
  readonly running: Scalar;
  readonly waiting: Scalar;
  readonly kvUsage: Scalar;
  readonly promptTokens: Scalar;
  readonly generationTokens: Scalar;
  readonly success: Record<FinishedReason, Scalar>;
  private readonly values = new Map<ValueKey, Scalar>();
  private readonly reasons = new Map<FinishedReason, Scalar>();
  private readonly histograms = new Map<HistogramKey, Histogram>();
  private readonly families: LiveFamily[];
  private readonly fixedLabels: Record<string, string>;
  private readonly tokenBuckets: number[];
  private loraAdapters = { running: '', waiting: '' };
  /** What vllm:engine_sleep_state shows; the sleep routes set it. */
  sleepState: SleepStateLabel = 'awake';

  constructor(
    private readonly cfg: MetricsConfig,
    private readonly now = Date.now() / 1000,
  ) {
    this.fixedLabels = fixedLabelValues(cfg);
    this.tokenBuckets = buckets125(cfg.maxModelLen);
    this.families = VLLM_FAMILIES.filter((f) => !cfg.absentFamilies.includes(f.name)).flatMap(
      (spec) => this.build(spec) ?? [],
    );
    this.running = mustGet(this.values, 'running');
    this.waiting = mustGet(this.values, 'waiting');
    this.kvUsage = mustGet(this.values, 'kvUsage');
    this.promptTokens = mustGet(this.values, 'promptTokens');
    this.generationTokens = mustGet(this.values, 'generationTokens');
    const reason = (r: FinishedReason) => mustGet(this.reasons, r);
    this.success = { stop: reason('stop'), length: reason('length'), abort: reason('abort') };
  }

  /** Records a request that ran to completion ("stop" or "length"). */
  recordFinished(reason: FinishedReason, t: RequestTimings): void {
    this.success[reason].value++;
    this.generationTokens.value += t.generationTokens;
    const obs = (k: HistogramKey, v: number, times = 1) =>
      this.histograms.get(k)?.observe(v, times);
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
    this.loraAdapters = { running: running.join(','), waiting: waiting.join(',') };
  }

  /** The whole `/metrics` body. */
  render(): string {
    return exposition(
      this.families.map(({ spec, series }) => ({
        name: spec.name,
        help: spec.help,
        type: spec.type,
        series: series(),
      })),
    );
  }

  /** The live series of one table row; null for a family this server does not expose. */
  private build(spec: FamilySpec): LiveFamily | null {
    const labels = (extra: Record<string, string> = {}) =>
      pickLabels(spec.labels, { ...this.fixedLabels, ...extra });
    const fixed = (series: readonly Series[]): LiveFamily => ({ spec, series: () => series });
    const read = spec.read;
    switch (read.kind) {
      case 'value':
        return fixed([this.register(this.values, read.key, new Scalar(labels(), this.now))]);
      case 'per-reason':
        return fixed(
          FINISHED_REASONS.map((r) =>
            this.register(this.reasons, r, new Scalar(labels({ finished_reason: r }), this.now)),
          ),
        );
      case 'histogram': {
        const bounds = read.buckets === 'tokens' ? this.tokenBuckets : read.buckets;
        const h = new Histogram(bounds, labels(), this.now);
        return fixed([this.register(this.histograms, read.key, h)]);
      }
      case 'info': {
        const info = new Scalar(labels(), this.now);
        info.value = 1;
        return fixed([info]);
      }
      case 'lora-info':
        return this.cfg.maxLoras === null ? null : { spec, series: () => [this.loraInfo(labels)] };
      case 'sleep-state': {
        const states = SLEEP_STATES.map((st) => new Scalar(labels({ sleep_state: st }), this.now));
        return {
          spec,
          series: () => {
            states.forEach((sc, i) => (sc.value = SLEEP_STATES[i] === this.sleepState ? 1 : 0));
            return states;
          },
        };
      }
    }
  }

  private register<K, S extends Series>(map: Map<K, S>, key: K, series: S): S {
    map.set(key, series);
    return series;
  }

  /** vllm:lora_requests_info: the adapters in its labels, the scrape time as its value. */
  private loraInfo(labels: (extra: Record<string, string>) => Labels): Scalar {
    const s = new Scalar(
      labels({
        max_lora: String(this.cfg.maxLoras),
        running_lora_adapters: this.loraAdapters.running,
        waiting_lora_adapters: this.loraAdapters.waiting,
      }),
      this.now,
    );
    s.value = Date.now() / 1000;
    return s;
  }
}
