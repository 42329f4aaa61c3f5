import type { LogProc } from './vllm-log.js';

/** Failures chosen by a reserved model name (DESIGN.md §1). */
export type SimFault =
  | 'gpu-oom'
  | 'kv-cache'
  | 'gated'
  | 'not-found'
  | 'no-gpu'
  | 'crash-after-ready'
  | 'hang-loading'
  | 'max-model-len'
  | 'lora-not-found'
  | 'lora-rank'
  | 'low-free-memory';

/** Every fault, in the order the help text lists them. */
export const SIM_FAULTS: readonly SimFault[] = [
  'gpu-oom',
  'kv-cache',
  'gated',
  'not-found',
  'no-gpu',
  'crash-after-ready',
  'hang-loading',
  'max-model-len',
  'lora-not-found',
  'lora-rank',
  'low-free-memory',
];

/** The fault a `--model` value asks for (`fault/<name>`), or null for a normal model. */
export function faultOf(model: string): SimFault | null {
  if (!model.startsWith('fault/')) return null;
  const name = model.slice('fault/'.length);
  return (SIM_FAULTS as readonly string[]).includes(name) ? (name as SimFault) : null;
}

/** One line to print: a vLLM log line, or raw text (traceback, tqdm) on one stream. */
export type LogEntry =
  | { kind: 'log'; proc: LogProc; level: 'INFO' | 'ERROR' | 'WARNING'; source: string; msg: string }
  | { kind: 'raw'; stream: 'stdout' | 'stderr'; text: string };

/** A raw stderr line (traceback text, tqdm). */
export const raw = (text: string): LogEntry => ({ kind: 'raw', stream: 'stderr', text });
/** An ERROR line of the engine core process. */
export const engineError = (msg: string): LogEntry => ({
  kind: 'log',
  proc: 'EngineCore_DP0',
  level: 'ERROR',
  source: 'core.py:708',
  msg,
});

/** A Python traceback: its header, the frames, the exception line. */
export function traceback(frames: readonly string[], last: string): LogEntry[] {
  return [raw('Traceback (most recent call last):'), ...frames.map((f) => raw(f)), raw(last)];
}

/** The API server's lines once the engine core failed to start. */
export const ENGINE_FAILED = [
  raw('Traceback (most recent call last):'),
  raw('  File "/usr/local/bin/vllm", line 10, in <module>'),
  raw('    sys.exit(main())'),
  raw(
    '  File "/usr/local/lib/python3.12/dist-packages/vllm/v1/engine/utils.py", line 720, in wait_for_engine_startup',
  ),
  raw('    raise RuntimeError("Engine core initialization failed. "'),
  raw(
    'RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}',
  ),
];

/** What the lines of a start-up fault depend on besides the model and the GPU. */
export interface FaultContext {
  /** An HF token was given: the Hub answers a missing repo 404; without one it answers 401. */
  authenticated: boolean;
}

/**
 * `RepositoryNotFoundError` as huggingface_hub raises it. Without a token the Hub answers 401 for
 * a repo that does not exist (it will not tell an anonymous caller whether a private one does), so
 * the status says "401" and the message adds the authentication hint: only the exception's name
 * tells it from a gated repo.
 */
function notFoundLines(model: string, authenticated: boolean): LogEntry[] {
  const url = `https://huggingface.co/api/models/${model}/tree/main?recursive=True&expand=False`;
  const status = authenticated ? '404 Client Error: Not Found' : '401 Client Error: Unauthorized';
  const hint = authenticated
    ? ''
    : '\nIf you are trying to access a private or gated repo, make sure you are authenticated. For more details, see https://huggingface.co/docs/huggingface_hub/authentication' +
      '\nInvalid username or password.';
  return traceback(
    [
      '  File "/usr/local/lib/python3.12/dist-packages/huggingface_hub/utils/_http.py", line 409, in hf_raise_for_status',
      '    response.raise_for_status()',
      `requests.exceptions.HTTPError: ${status} for url: ${url}`,
      '',
      'The above exception was the direct cause of the following exception:',
      '',
      'Traceback (most recent call last):',
      '  File "/usr/local/lib/python3.12/dist-packages/vllm/transformers_utils/config.py", line 364, in get_config',
    ],
    `huggingface_hub.errors.RepositoryNotFoundError: ${status.slice(0, 16)}. (Request ID: Root=1-6904b3f1-5e2d9c0a7b4f1e3d6c8a2b90;sim)\n\n` +
      `Repository Not Found for url: ${url}.\n` +
      `Please make sure you specified the correct \`repo_id\` and \`repo_type\`.${hint}\n` +
      `OSError: ${model} is not a local folder and is not a valid model identifier listed on 'https://huggingface.co/models'`,
  );
}

/** The lines real vLLM prints when `fault` strikes during start-up, ending with the fatal error. */
export function startupFaultLines(
  fault: SimFault,
  model: string,
  gpuMemGib: number,
  gpuMemoryUtilization: number,
  opts: FaultContext,
): LogEntry[] {
  const gib = (n: number) => n.toFixed(2);
  switch (fault) {
    case 'gated':
      return traceback(
        [
          '  File "/usr/local/lib/python3.12/dist-packages/huggingface_hub/utils/_http.py", line 409, in hf_raise_for_status',
          '    response.raise_for_status()',
          `requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/${model}/resolve/main/config.json`,
          '',
          'The above exception was the direct cause of the following exception:',
          '',
          'Traceback (most recent call last):',
          '  File "/usr/local/lib/python3.12/dist-packages/huggingface_hub/file_download.py", line 1546, in _get_metadata_or_catch_error',
        ],
        `huggingface_hub.errors.GatedRepoError: 401 Client Error. (Request ID: Root=1-6904b3f1-2c1a7e5d0b9f4a3c8e6d2f10;sim)\n\n` +
          `Cannot access gated repo for url https://huggingface.co/${model}/resolve/main/config.json.\n` +
          `Access to model ${model} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
      );
    case 'not-found':
      return notFoundLines(model, opts.authenticated);
    case 'no-gpu':
      return traceback(
        [
          '  File "/usr/local/lib/python3.12/dist-packages/vllm/engine/arg_utils.py", line 1091, in create_engine_config',
          '    device_config = DeviceConfig(device=cast(Device, current_platform.device_type))',
        ],
        'RuntimeError: Failed to infer device type',
      );
    case 'gpu-oom': {
      const total = gpuMemGib;
      const msg =
        `torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.50 GiB. GPU 0 has a total capacity of ${gib(total)} GiB ` +
        `of which 412.00 MiB is free. Including non-PyTorch memory, this process has ${gib(total * gpuMemoryUtilization)} GiB memory in use. ` +
        `Of the allocated memory ${gib(total * gpuMemoryUtilization - 1.2)} GiB is allocated by PyTorch, and 1.12 GiB is reserved by PyTorch but unallocated. ` +
        'If reserved but unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.';
      return [
        engineError('EngineCore failed to start.'),
        engineError('Traceback (most recent call last):'),
        engineError(
          '  File "/usr/local/lib/python3.12/dist-packages/vllm/model_executor/model_loader/default_loader.py", line 269, in load_weights',
        ),
        engineError(msg),
        raw('Process EngineCore_DP0:'),
        ...traceback(
          [
            '  File "/usr/local/lib/python3.12/dist-packages/torch/nn/modules/module.py", line 1355, in convert',
            '    return t.to(',
          ],
          msg,
        ),
        ...ENGINE_FAILED,
      ];
    }
    case 'kv-cache': {
      const msg =
        'ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine.';
      return [
        engineError('EngineCore failed to start.'),
        engineError('Traceback (most recent call last):'),
        engineError(
          '  File "/usr/local/lib/python3.12/dist-packages/vllm/v1/core/kv_cache_utils.py", line 686, in check_enough_kv_cache_memory',
        ),
        engineError(msg),
        raw('Process EngineCore_DP0:'),
        ...traceback(
          [
            '  File "/usr/local/lib/python3.12/dist-packages/vllm/v1/core/kv_cache_utils.py", line 686, in check_enough_kv_cache_memory',
            '    raise ValueError("No available memory for the cache blocks. "',
          ],
          msg,
        ),
        ...ENGINE_FAILED,
      ];
    }
    case 'crash-after-ready':
    case 'hang-loading':
    case 'max-model-len':
    case 'lora-not-found':
    case 'lora-rank':
    case 'low-free-memory':
      return [];
  }
}

/** Lines printed when the engine core dies while serving (crash-after-ready, inference while asleep). */
export function engineDeadLines(cause: string): LogEntry[] {
  return [
    engineError(`EngineCore encountered a fatal error.`),
    engineError('Traceback (most recent call last):'),
    engineError(
      '  File "/usr/local/lib/python3.12/dist-packages/vllm/v1/engine/core.py", line 701, in run_engine_core',
    ),
    engineError(cause),
    {
      kind: 'log',
      proc: 'APIServer',
      level: 'ERROR',
      source: 'async_llm.py:485',
      msg: 'AsyncLLM output_handler failed.',
    },
    {
      kind: 'log',
      proc: 'APIServer',
      level: 'ERROR',
      source: 'core_client.py:564',
      msg: 'Engine core proc EngineCore_DP0 died unexpectedly, shutting down client.',
    },
    raw(
      'vllm.v1.engine.exceptions.EngineDeadError: EngineCore encountered an issue. See stack trace (above) for the root cause.',
    ),
  ];
}

/** What vLLM prints when it cannot bind its port; `null` means something already listens there. */
export function bindFailureLine(err: NodeJS.ErrnoException | null): string {
  return err === null || err.code === 'EADDRINUSE'
    ? 'OSError: [Errno 98] Address already in use'
    : `OSError: ${err.message}`;
}
