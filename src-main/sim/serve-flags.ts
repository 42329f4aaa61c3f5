/** How argparse converts and consumes one flag's value. */
export type FlagKind = 'int' | 'float' | 'str' | 'bool' | 'multi' | 'len';

export interface FlagDef {
  /** Long name without the leading dashes, e.g. `max-model-len`. */
  name: string;
  kind: FlagKind;
  /** Short forms with one dash, e.g. `tp` for `-tp`. */
  short?: string[];
  choices?: readonly string[];
  /** BooleanOptionalAction: also accepts `--no-<name>`. */
  negatable?: boolean;
}

const DTYPES = ['auto', 'half', 'float16', 'bfloat16', 'float', 'float32'] as const;
const KV_DTYPES = ['auto', 'fp8', 'fp8_e4m3', 'fp8_e5m2', 'fp8_inc'] as const;

/**
 * The `vllm serve` flags the simulator accepts. Besides the ones it acts on, it accepts the
 * common engine and server flags the agent may pass, so that a real command line never fails
 * here when it would start real vLLM.
 */
export const SERVE_FLAGS: readonly FlagDef[] = [
  { name: 'model', kind: 'str' },
  { name: 'host', kind: 'str' },
  { name: 'port', kind: 'int' },
  { name: 'uds', kind: 'str' },
  { name: 'served-model-name', kind: 'multi' },
  { name: 'gpu-memory-utilization', kind: 'float' },
  { name: 'tensor-parallel-size', kind: 'int', short: ['tp'] },
  { name: 'pipeline-parallel-size', kind: 'int', short: ['pp'] },
  { name: 'data-parallel-size', kind: 'int', short: ['dp'] },
  { name: 'max-model-len', kind: 'len' },
  { name: 'dtype', kind: 'str', choices: DTYPES },
  { name: 'quantization', kind: 'str', short: ['q'] },
  { name: 'max-num-seqs', kind: 'int' },
  { name: 'max-num-batched-tokens', kind: 'len' },
  { name: 'kv-cache-dtype', kind: 'str', choices: KV_DTYPES },
  { name: 'block-size', kind: 'int' },
  { name: 'swap-space', kind: 'float' },
  { name: 'cpu-offload-gb', kind: 'float' },
  { name: 'enforce-eager', kind: 'bool', negatable: true },
  { name: 'trust-remote-code', kind: 'bool', negatable: true },
  { name: 'revision', kind: 'str' },
  { name: 'code-revision', kind: 'str' },
  { name: 'tokenizer', kind: 'str' },
  { name: 'tokenizer-revision', kind: 'str' },
  { name: 'tokenizer-mode', kind: 'str' },
  { name: 'seed', kind: 'int' },
  { name: 'enable-sleep-mode', kind: 'bool', negatable: true },
  { name: 'enable-lora', kind: 'bool', negatable: true },
  { name: 'lora-modules', kind: 'multi' },
  { name: 'max-loras', kind: 'int' },
  { name: 'max-lora-rank', kind: 'int' },
  { name: 'max-cpu-loras', kind: 'int' },
  { name: 'download-dir', kind: 'str' },
  { name: 'load-format', kind: 'str' },
  { name: 'api-key', kind: 'multi' },
  { name: 'hf-token', kind: 'str' },
  { name: 'task', kind: 'str' },
  { name: 'runner', kind: 'str', choices: ['auto', 'generate', 'pooling', 'draft'] },
  { name: 'convert', kind: 'str' },
  { name: 'enable-prefix-caching', kind: 'bool', negatable: true },
  { name: 'enable-chunked-prefill', kind: 'bool', negatable: true },
  { name: 'disable-log-stats', kind: 'bool' },
  { name: 'disable-log-requests', kind: 'bool' },
  { name: 'enable-log-requests', kind: 'bool' },
  { name: 'disable-uvicorn-access-log', kind: 'bool' },
  { name: 'uvicorn-log-level', kind: 'str' },
  { name: 'disable-fastapi-docs', kind: 'bool' },
  { name: 'enable-server-load-tracking', kind: 'bool' },
  { name: 'enable-force-include-usage', kind: 'bool' },
  { name: 'show-hidden-metrics-for-version', kind: 'str' },
  { name: 'chat-template', kind: 'str' },
  { name: 'generation-config', kind: 'str' },
  { name: 'override-generation-config', kind: 'str' },
  { name: 'enable-auto-tool-choice', kind: 'bool' },
  { name: 'tool-call-parser', kind: 'str' },
  { name: 'reasoning-parser', kind: 'str' },
  { name: 'max-log-len', kind: 'int' },
  { name: 'distributed-executor-backend', kind: 'str' },
  { name: 'compilation-config', kind: 'str', short: ['O'] },
  { name: 'kv-transfer-config', kind: 'str' },
  { name: 'hf-overrides', kind: 'str' },
  { name: 'limit-mm-per-prompt', kind: 'str' },
  { name: 'allowed-origins', kind: 'str' },
  { name: 'root-path', kind: 'str' },
  { name: 'api-server-count', kind: 'int' },
  { name: 'max-seq-len-to-capture', kind: 'int' },
  { name: 'enable-expert-parallel', kind: 'bool', negatable: true },
  { name: 'disable-custom-all-reduce', kind: 'bool' },
];
