// Start-up failures that come from the configuration rather than the hardware: a context length
// above the model's, a LoRA adapter that cannot be loaded or is of too high a rank, and a GPU that
// other processes already fill. Wording from vLLM's config validation, LoRA manager and GPU worker.
import { ENGINE_FAILED, engineError, type LogEntry, raw, traceback } from './fault-lines.js';
import type { LoraModule } from './serve-args.js';

/** The length `fault/max-model-len` derives from its config (a small model, to be exceeded). */
export const SMALL_DERIVED_MAX_MODEL_LEN = 4096;

/** Pydantic's validation error for a `--max-model-len` above the length the model's config derives. */
export function maxModelLenLines(requested: number, derived: number): LogEntry[] {
  return traceback(
    [
      '  File "/usr/local/lib/python3.12/dist-packages/vllm/engine/arg_utils.py", line 1157, in create_model_config',
      '    return ModelConfig(',
    ],
    'pydantic_core._pydantic_core.ValidationError: 1 validation error for ModelConfig\n' +
      `  Value error, User-specified max_model_len (${requested}) is greater than the derived max_model_len (max_position_embeddings=${derived} or model_max_length=None in model's config.json). ` +
      'To allow overriding this maximum, set the env var VLLM_ALLOW_LONG_MAX_MODEL_LEN=1. VLLM_ALLOW_LONG_MAX_MODEL_LEN must be used with extreme caution. ' +
      'If the model uses relative position encoding (RoPE), positions exceeding derived_max_model_len lead to nan. ' +
      'If the model uses absolute position encoding, positions exceeding derived_max_model_len will cause a CUDA array out-of-bounds error. ' +
      '[type=value_error, input_value=ArgsKwargs((), {}), input_type=ArgsKwargs]',
  );
}

/** The adapter a LoRA fault names: the first `--lora-modules` entry, or a made-up one. */
export function faultAdapter(modules: readonly LoraModule[]): LoraModule {
  return modules[0] ?? { name: 'adapter', path: '/adapters/adapter', baseModelName: null };
}

function loraLoadFailure(adapter: LoraModule, cause: string): LogEntry[] {
  const msg = `ValueError: Loading lora ${adapter.name} failed: ${cause}`;
  return [
    {
      kind: 'log',
      proc: 'APIServer',
      level: 'ERROR',
      source: 'serving_models.py:181',
      msg: `Failed to load LoRA adapter '${adapter.name}' from ${adapter.path}`,
    },
    ...traceback(
      [
        '  File "/usr/local/lib/python3.12/dist-packages/vllm/entrypoints/openai/serving_models.py", line 96, in init_static_loras',
        '    raise ValueError(load_result.error.message)',
      ],
      msg,
    ),
  ];
}

/** A static adapter whose path holds no adapter: fatal at start-up. */
export function loraNotFoundLines(adapter: LoraModule): LogEntry[] {
  return loraLoadFailure(adapter, `No adapter found for ${adapter.path}`);
}

/** A static adapter of a rank above `--max-lora-rank`: fatal at start-up. */
export function loraRankLines(adapter: LoraModule, maxLoraRank: number): LogEntry[] {
  const rank = Math.max(64, maxLoraRank * 4);
  return loraLoadFailure(
    adapter,
    `LoRA rank ${rank} is greater than max_lora_rank ${maxLoraRank}.`,
  );
}

/**
 * The GPU worker's check at start: other processes hold so much memory that the requested share of
 * the total is not free. `device` is how the line names the GPU (`device` or `device cuda:0`).
 */
export function lowFreeMemoryLines(
  device: string,
  gpuMemGib: number,
  gpuMemoryUtilization: number,
): LogEntry[] {
  const free = Math.max(0.5, gpuMemGib * gpuMemoryUtilization * 0.4);
  const msg =
    `ValueError: Free memory on ${device} (${free.toFixed(2)}/${gpuMemGib.toFixed(2)} GiB) on startup is less than desired GPU memory utilization ` +
    `(${gpuMemoryUtilization}, ${(gpuMemGib * gpuMemoryUtilization).toFixed(2)} GiB). Decrease GPU memory utilization or reduce GPU memory used by other processes.`;
  return [
    engineError('EngineCore failed to start.'),
    engineError('Traceback (most recent call last):'),
    engineError(
      '  File "/usr/local/lib/python3.12/dist-packages/vllm/v1/worker/gpu_worker.py", line 201, in init_device',
    ),
    engineError(msg),
    raw('Process EngineCore_DP0:'),
    ...traceback(
      [
        '  File "/usr/local/lib/python3.12/dist-packages/vllm/v1/worker/gpu_worker.py", line 201, in init_device',
        '    raise ValueError(',
      ],
      msg,
    ),
    ...ENGINE_FAILED,
  ];
}
