// Failure classification over a crashed vLLM's recent log (behaviour.md §2.10). The rules are
// tried in a fixed order and the first that matches anywhere wins, because one crash prints
// several symptoms (an OOM also kills the engine; a gated repo also says "401 Client Error").

/** How many trailing log lines the classifier looks at. */
export const CLASSIFY_TAIL_LINES = 300;

export type FailureCode =
  | 'gpu_oom'
  | 'kv_cache_too_small'
  | 'no_gpu'
  | 'hf_auth'
  | 'model_not_found'
  | 'port_conflict'
  | 'bad_args';

export interface FailureCause {
  code: FailureCode;
  /** Operator-facing: what went wrong and what to change. */
  message: string;
}

interface Rule extends FailureCause {
  pattern: RegExp;
}

const RULES: readonly Rule[] = [
  {
    code: 'gpu_oom',
    pattern:
      /CUDA out of memory|torch\.OutOfMemoryError|CUDA error: out of memory|is less than desired GPU memory utilization/i,
    message:
      'The GPU ran out of memory. Lower the GPU memory fraction or max model length, use a smaller or quantized model, or choose a GPU with more memory (and check that no other process holds it).',
  },
  {
    code: 'kv_cache_too_small',
    pattern:
      /No available memory for the cache blocks|max seq len[\s\S]{0,200}?is larger than the maximum number of tokens that can be stored in KV cache|KV cache is needed, which is larger than the available KV cache memory/i,
    message:
      'Not enough GPU memory is left for the KV cache at this context length. Lower max model length or raise the GPU memory fraction.',
  },
  {
    code: 'no_gpu',
    pattern:
      /Failed to infer device type|No CUDA runtime is found|0 active driver\(s\) found|could not select device driver/i,
    message:
      'No GPU is visible inside the container. Configure the NVIDIA Container Toolkit (Docker: nvidia-ctk runtime configure) or generate the NVIDIA CDI spec (Podman: nvidia-ctk cdi generate).',
  },
  {
    code: 'hf_auth',
    pattern:
      /\b40[13] Client Error|GatedRepoError|gated repo|Access to model \S+ is restricted|Cannot access gated repo/i,
    message:
      'The model is gated or private on Hugging Face. Accept its terms on huggingface.co and add an HF_TOKEN environment variable with access to it.',
  },
  {
    code: 'model_not_found',
    pattern:
      /RepositoryNotFoundError|Repository Not Found|does not appear to have a file named|is not a local folder and is not a valid model identifier/i,
    message:
      'The model was not found on Hugging Face. Check the model name (owner/name), the revision, or the local path.',
  },
  {
    code: 'port_conflict',
    pattern: /address already in use/i,
    message:
      'The port is already in use on this node. Pick another port or stop whatever holds it.',
  },
  {
    code: 'bad_args',
    pattern: /unrecognized arguments|error: argument|No module named/i,
    message:
      'vLLM rejected its arguments. Check the extra args and engine args against this vLLM version, and the extra packages.',
  },
];

/**
 * Classifies a failed start from its log (only the last 300 lines are read). Returns null when no
 * known cause matches.
 */
export function classifyFailure(lines: readonly string[]): FailureCause | null {
  const text = lines.slice(-CLASSIFY_TAIL_LINES).join('\n');
  for (const rule of RULES) {
    if (rule.pattern.test(text)) return { code: rule.code, message: rule.message };
  }
  return null;
}
