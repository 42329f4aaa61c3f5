// The closed vocabulary of a deployment's `error_code` and how an operator reads each code and
// each status. The wire keeps `error_code` a string (an agent newer than this control plane may
// name a cause it does not know); the labels below cover every code this code base sets, and a
// unit test (test/unit/deployment-labels.test.ts) holds the agent's assignments to this list.
import { FAILURE_CODES } from './classify-failure.js';
import type { DeploymentStatus } from './deployment-status.js';

/** Every `error_code` the agent sets: the classifier's causes, and a pause that freed no VRAM. */
export const DEPLOYMENT_ERROR_CODES = [...FAILURE_CODES, 'sleep_leak'] as const;
export type DeploymentErrorCode = (typeof DEPLOYMENT_ERROR_CODES)[number];

/** Short operator-facing names of the error codes (the full advice is in `last_error`). */
export const ERROR_CODE_LABELS: Record<DeploymentErrorCode, string> = {
  gpu_oom: 'GPU out of memory',
  kv_cache_too_small: 'KV cache too small',
  no_gpu: 'no GPU visible',
  hf_auth: 'Hugging Face access denied',
  model_not_found: 'model not found (name or path)',
  port_conflict: 'port already in use',
  bad_args: 'invalid vLLM arguments',
  max_model_len_too_large: 'max model length too large',
  lora_not_found: 'LoRA adapter not found',
  lora_rank_too_large: 'LoRA rank too large',
  gpu_memory_in_use: 'GPU memory held by others',
  sleep_leak: 'pause freed no GPU memory',
};

/** The label of `code`; a code this build does not know reads as itself, null stays null. */
export function errorCodeLabel(code: string | null): string | null {
  if (code === null) return null;
  return (ERROR_CODE_LABELS as Record<string, string | undefined>)[code] ?? code.replace(/_/g, ' ');
}

/** How a status reads on a chip. */
export const STATUS_LABELS: Record<DeploymentStatus, string> = {
  starting: 'starting',
  loading: 'loading',
  running: 'running',
  offloading: 'offloading…',
  paused_ram: 'paused (RAM)',
  paused_disk: 'paused (disk)',
  waking: 'waking…',
  stopping: 'stopping…',
  error: 'error',
  stopped: 'stopped',
  expired: 'expired',
  unreachable: 'unreachable',
};
