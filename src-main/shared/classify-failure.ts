// Failure classification over a crashed vLLM's recent log (behaviour.md §2.10). The rules are
// tried in a fixed order and the first that matches anywhere wins, because one crash prints
// several symptoms (an OOM also kills the engine; a gated repo also says "401 Client Error").

import { removedFlagsMessage, unacceptedFlags } from './vllm-versions.js';

/** How many trailing log lines the classifier looks at. */
export const CLASSIFY_TAIL_LINES = 300;

/** Every cause the classifier can name (a deployment's `error_code` after a crash). */
export const FAILURE_CODES = [
  'gpu_oom',
  'kv_cache_too_small',
  'no_gpu',
  'hf_auth',
  'model_not_found',
  'port_conflict',
  'bad_args',
  'max_model_len_too_large',
  'lora_not_found',
  'lora_rank_too_large',
  'gpu_memory_in_use',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export interface FailureCause {
  code: FailureCode;
  /** Operator-facing: what went wrong and what to change. */
  message: string;
}

interface Rule extends FailureCause {
  pattern: RegExp;
  /** A more precise message for this log (of a server of `version`), or null to keep `message`. */
  refine?: (text: string, version: string | null) => string | null;
}

const HF_AUTH_ADVICE =
  'The model is gated or private on Hugging Face. Accept its terms on huggingface.co and add an HF_TOKEN environment variable with access to it.';
const NOT_FOUND_ADVICE =
  'The model was not found on Hugging Face. Check the model name (owner/name), the revision, or the local path.';
const NOT_FOUND_NO_TOKEN_ADVICE =
  'The model was not found on Hugging Face. Check the model name (owner/name), the revision, or the local path; if it is a private repo, add an HF_TOKEN environment variable with access to it (without a token the Hub answers 401 for a repo it will not show).';

/** For "unrecognized arguments" naming flags this release removed: which, since when, what instead. */
function removedFlagAdvice(text: string, version: string | null): string | null {
  const m = /unrecognized arguments: ([^\n]*)/.exec(text);
  if (!m) return null;
  const removed = unacceptedFlags(version, (m[1] ?? '').split(/\s+/));
  return removed.length > 0
    ? `vLLM rejected its arguments: ${removedFlagsMessage(version, removed)}`
    : null;
}

const RULES: readonly Rule[] = [
  // Before the OOM rule: at start-up, memory other processes hold is not an OOM of this model.
  {
    code: 'gpu_memory_in_use',
    pattern: /Free memory on device[^\n]*is less than desired GPU memory utilization/i,
    message:
      "Other processes already hold GPU memory, so the requested share of it is not free at start. Lower the GPU memory fraction, stop what holds the GPU (see the node's GPU processes), or choose another GPU.",
  },
  {
    code: 'max_model_len_too_large',
    pattern: /User-specified max_model_len \(\d+\) is greater than the derived max_model_len/,
    message:
      "The max model length is longer than the model supports (its config's max_position_embeddings). Lower max_model_len to that value or leave it unset.",
  },
  {
    code: 'lora_rank_too_large',
    pattern: /LoRA rank \d+ is greater than max_lora_rank \d+/,
    message:
      "A LoRA adapter has a higher rank than the server allows. Add --max-lora-rank with at least the adapter's rank to the extra args.",
  },
  {
    code: 'lora_not_found',
    pattern: /No adapter found for/,
    message:
      "A LoRA adapter could not be loaded: nothing usable was found at its path. Check the adapter path (a directory with adapter_config.json, inside the node's model directories) or the Hugging Face id.",
  },
  {
    code: 'gpu_oom',
    pattern: /CUDA out of memory|torch\.OutOfMemoryError|CUDA error: out of memory/i,
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
  // By the exception's name first: huggingface_hub answers 401 for a missing repo when no token
  // is sent, so the status number alone would call a typo "gated".
  {
    code: 'hf_auth',
    pattern: /\bGatedRepoError\b|Cannot access gated repo|Access to model \S+ is restricted/,
    message: HF_AUTH_ADVICE,
  },
  {
    code: 'model_not_found',
    pattern: /\bRepositoryNotFoundError\b/,
    message: NOT_FOUND_ADVICE,
    // Without HF_TOKEN the Hub cannot say whether a private repo exists: say both.
    refine: (text) => (/\b401 Client Error/.test(text) ? NOT_FOUND_NO_TOKEN_ADVICE : null),
  },
  {
    code: 'hf_auth',
    pattern: /\b40[13] Client Error|gated repo/i,
    message: HF_AUTH_ADVICE,
  },
  {
    code: 'model_not_found',
    pattern:
      /Repository Not Found|does not appear to have a file named|is not a local folder and is not a valid model identifier/i,
    message: NOT_FOUND_ADVICE,
  },
  {
    code: 'port_conflict',
    pattern: /address already in use/i,
    message:
      'The port is already in use on this node. Pick another port or stop whatever holds it.',
  },
  {
    code: 'bad_args',
    pattern: /unrecognized arguments|error: argument|vllm serve: error:|No module named/i,
    message:
      'vLLM rejected its arguments. Check the extra args and engine args against this vLLM version, and the extra packages.',
    refine: removedFlagAdvice,
  },
];

/**
 * Classifies a failed start from its log (only the last 300 lines are read) of a server of
 * `version` (the deployment's vLLM version, null when unknown). Returns null when no known cause
 * matches.
 */
export function classifyFailure(
  lines: readonly string[],
  version: string | null = null,
): FailureCause | null {
  const text = lines.slice(-CLASSIFY_TAIL_LINES).join('\n');
  for (const rule of RULES) {
    if (rule.pattern.test(text))
      return { code: rule.code, message: rule.refine?.(text, version) ?? rule.message };
  }
  return null;
}
