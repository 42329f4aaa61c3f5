import {
  faultAdapter,
  loraNotFoundLines,
  loraRankLines,
  lowFreeMemoryLines,
  maxModelLenLines,
} from './config-fault-lines.js';
import { type LogEntry, type SimFault, startupFaultLines } from './fault-lines.js';
import { pyRepr, type ServeArgs } from './serve-args.js';
import type { SimOptions } from './sim-options.js';
import { type VllmLog, vllmTimestamp } from './vllm-log.js';

/** Load phases, as the agent names them; the status file carries the current one. */
export type LoadPhase = 'downloading' | 'loading_weights' | 'compiling' | 'ready';

/** Sizes derived from the model name and flags, for log lines, metrics and the KV cache. */
export interface ModelSizing {
  weightsGib: number;
  kvGib: number;
  kvTokens: number;
  numGpuBlocks: number;
  shards: number;
}

/**
 * Parameters of a model whose name gives no size (`…8B…`), in billions: small, because a level-1
 * sleep now holds the weights in real host RAM and test machines run many sleepers at once.
 */
export const DEFAULT_PARAMS_B = 0.5;

/** Rough sizes: parameters from a `…8B…` name (default DEFAULT_PARAMS_B), 2 bytes each, less when quantized. */
export function sizeModel(args: ServeArgs, gpuMemGib: number): ModelSizing {
  const m = /(\d+(?:\.\d+)?)[bB](?![a-z])/.exec(args.model);
  const params = m ? Number(m[1]) : DEFAULT_PARAMS_B;
  const q = args.quantization ?? '';
  const bytes = /awq|gptq|bitsandbytes|gguf|mxfp4/.test(q) ? 0.55 : /fp8/.test(q) ? 1 : 2;
  const weightsGib = (params * 1e9 * bytes) / 1024 ** 3 / args.tensorParallelSize;
  // Never below 2 GiB: simulated deployments often get small fractions and must still start.
  const kvGib = Math.max(2, gpuMemGib * args.gpuMemoryUtilization - weightsGib - 1.5);
  const kvTokens = Math.floor(kvGib * 7280 * args.tensorParallelSize);
  return {
    weightsGib,
    kvGib,
    kvTokens,
    numGpuBlocks: Math.floor(kvTokens / 16),
    shards: Math.max(1, Math.ceil(weightsGib / 4.6)),
  };
}

export interface StartupDeps {
  args: ServeArgs;
  options: SimOptions;
  log: VllmLog;
  fault: SimFault | null;
  sizing: ModelSizing;
  maxModelLen: number;
  derivedMaxModelLen: number;
  pooling: boolean;
  setPhase(phase: LoadPhase): void;
  /** Resolves after `ms` (injected so tests and SIGTERM can cut it short). */
  wait(ms: number): Promise<void>;
}

/** Prints log entries (vLLM lines and raw tracebacks) in order. */
export function printEntries(log: VllmLog, entries: readonly LogEntry[]): void {
  for (const e of entries) {
    if (e.kind === 'raw') log.raw(e.stream, e.text);
    else log.line(e.proc, e.level, e.source, e.msg);
  }
}

const bar = (done: number, total: number) =>
  `${'█'.repeat(Math.round((done / total) * 10)).padEnd(10)}`;

/**
 * Prints vLLM's start-up log (interfaces.md §3.3) while spending AERIE_SIM_LOAD_S across the
 * phases (30 % downloading, 40 % loading weights, 30 % compiling). Returns false when a fault
 * ends the start-up (its lines already printed); never returns for `fault/hang-loading`.
 */
export async function runStartup(d: StartupDeps): Promise<boolean> {
  const { args, log, sizing } = d;
  const v = d.options.vllmVersion;
  const total = d.options.loadS * 1000;
  const E = 'EngineCore_DP0' as const;
  const fail = (f: SimFault) => {
    printEntries(
      log,
      startupFaultLines(f, args.model, d.options.gpuMemGib, args.gpuMemoryUtilization, {
        authenticated: d.options.hfToken || 'hf_token' in args.nonDefault,
      }),
    );
    return false;
  };
  log.raw(
    'stdout',
    `INFO ${vllmTimestamp(new Date())} [__init__.py:216] Automatically detected platform cuda.`,
  );
  log.info('APIServer', 'api_server.py:1839', `vLLM API server version ${v}`);
  log.info('APIServer', 'utils.py:233', `non-default args: ${pyRepr(args.nonDefault)}`);
  d.setPhase('downloading');
  if (d.fault === 'gated' || d.fault === 'not-found' || d.fault === 'no-gpu') {
    await d.wait(Math.min(300, total * 0.05));
    return fail(d.fault);
  }
  const arch = d.pooling ? 'XLMRobertaModel' : 'Qwen3ForCausalLM';
  log.info('APIServer', 'model.py:547', `Resolved architecture: ${arch}`);
  if (d.maxModelLen > d.derivedMaxModelLen && !d.options.allowLongMaxModelLen) {
    printEntries(log, maxModelLenLines(d.maxModelLen, d.derivedMaxModelLen));
    return false;
  }
  log.info('APIServer', 'model.py:1510', `Using max model len ${d.maxModelLen}`);
  log.info(
    E,
    'core.py:77',
    `Initializing a V1 LLM engine (v${v}) with config: model='${args.model}', tokenizer='${args.model}', trust_remote_code=${pyRepr(args.trustRemoteCode)}, ` +
      `dtype=${args.dtype === 'auto' ? 'torch.bfloat16' : args.dtype}, max_seq_len=${d.maxModelLen}, download_dir=${pyRepr(args.downloadDir)}, ` +
      `tensor_parallel_size=${args.tensorParallelSize}, quantization=${pyRepr(args.quantization)}, enforce_eager=${pyRepr(args.enforceEager)}, ` +
      `kv_cache_dtype=${args.kvCacheDtype}, seed=${args.seed ?? 0}, served_model_name=${args.servedModelNames.join(',')}, enable_prefix_caching=${pyRepr(args.enablePrefixCaching)}`,
  );
  if (d.fault === 'low-free-memory') {
    const entries = lowFreeMemoryLines(
      d.options.profile.freeMemoryDevice,
      d.options.gpuMemGib,
      args.gpuMemoryUtilization,
    );
    printEntries(log, entries);
    return false;
  }
  log.info(E, 'gpu_model_runner.py:2602', `Starting to load model ${args.model}...`);
  log.info(E, 'weight_utils.py:392', "Using model weights format ['*.safetensors']");
  const n = sizing.shards;
  const stepMs = (share: number) => (total * share) / n;
  for (let i = 1; i <= n; i++) {
    await d.wait(stepMs(0.3));
    const gb = (sizing.weightsGib / n).toFixed(2);
    log.raw(
      'stderr',
      `model-${String(i).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors: 100%|██████████| ${gb}G/${gb}G [00:01<00:00, 412MB/s]`,
    );
  }
  d.setPhase('loading_weights');
  log.progress(
    'stderr',
    `Loading safetensors checkpoint shards:   0% Completed | 0/${n} [00:00<?, ?it/s]`,
    false,
  );
  if (d.fault === 'hang-loading') {
    const keepAlive = setInterval(() => undefined, 1 << 30);
    return new Promise<boolean>(() => void keepAlive);
  }
  for (let i = 1; i <= n; i++) {
    await d.wait(stepMs(0.4));
    if (d.fault === 'gpu-oom' && i === Math.ceil(n / 2)) return fail('gpu-oom');
    log.progress(
      'stderr',
      `Loading safetensors checkpoint shards: ${String(Math.round((i / n) * 100)).padStart(3)}% Completed | ${i}/${n} [00:0${i}<00:00,  1.49it/s]`,
      i === n,
    );
  }
  if (d.fault === 'gpu-oom') return fail('gpu-oom');
  log.info(
    E,
    'default_loader.py:267',
    `Loading weights took ${((total * 0.4) / 1000).toFixed(2)} seconds`,
  );
  log.info(
    E,
    'gpu_model_runner.py:2653',
    `Model loading took ${sizing.weightsGib.toFixed(4)} GiB and ${((total * 0.7) / 1000).toFixed(6)} seconds`,
  );
  d.setPhase('compiling');
  if (!args.enforceEager) {
    log.info(
      E,
      'backends.py:548',
      "Using cache directory: /root/.cache/vllm/torch_compile_cache/3f1a9c2b7d/rank_0_0/backbone for vLLM's torch.compile",
    );
    log.info(
      E,
      'backends.py:559',
      `Dynamo bytecode transform time: ${((total * 0.05) / 1000).toFixed(2)} s`,
    );
    await d.wait(total * 0.15);
    log.info(
      E,
      'backends.py:215',
      `Compiling a graph for dynamic shape takes ${((total * 0.15) / 1000).toFixed(2)} s`,
    );
    log.info(
      E,
      'monitor.py:34',
      `torch.compile takes ${((total * 0.2) / 1000).toFixed(2)} s in total`,
    );
  }
  if (d.fault === 'kv-cache') {
    log.info(E, 'gpu_worker.py:298', 'Available KV cache memory: -1.31 GiB');
    return fail('kv-cache');
  }
  log.info(E, 'gpu_worker.py:298', `Available KV cache memory: ${sizing.kvGib.toFixed(2)} GiB`);
  log.info(
    E,
    'kv_cache_utils.py:1087',
    `GPU KV cache size: ${sizing.kvTokens.toLocaleString('en-US')} tokens`,
  );
  log.info(
    E,
    'kv_cache_utils.py:1091',
    `Maximum concurrency for ${d.maxModelLen.toLocaleString('en-US')} tokens per request: ${(sizing.kvTokens / d.maxModelLen).toFixed(2)}x`,
  );
  if (!args.enforceEager) {
    await d.wait(total * 0.15);
    log.raw(
      'stderr',
      `Capturing CUDA graphs (mixed prefill-decode, PIECEWISE): 100%|${bar(67, 67)}| 67/67 [00:01<00:00, 45.18it/s]`,
    );
    log.raw(
      'stderr',
      `Capturing CUDA graphs (decode, FULL): 100%|${bar(35, 35)}| 35/35 [00:01<00:00, 37.82it/s]`,
    );
    log.info(
      E,
      'gpu_model_runner.py:3480',
      `Graph capturing finished in ${Math.round((total * 0.15) / 1000)} secs, took 0.95 GiB`,
    );
  }
  log.info(
    E,
    'core.py:210',
    `init engine (profile, create kv cache, warmup model) took ${((total * 0.3) / 1000).toFixed(2)} seconds`,
  );
  log.info(
    'APIServer',
    'loggers.py:147',
    `Engine 000: vllm cache_config_info with initialization after num_gpu_blocks is: ${sizing.numGpuBlocks}`,
  );
  log.info(
    'APIServer',
    'api_server.py:1634',
    `${d.options.profile.supportedTasksLabel} ['${d.pooling ? 'embed' : 'generate'}']`,
  );
  // Static adapters load before the server starts; a failure there is fatal.
  if (d.fault === 'lora-not-found' || d.fault === 'lora-rank') {
    const adapter = faultAdapter(args.loraModules);
    printEntries(
      log,
      d.fault === 'lora-not-found'
        ? loraNotFoundLines(adapter)
        : loraRankLines(adapter, args.maxLoraRank),
    );
    return false;
  }
  return true;
}
