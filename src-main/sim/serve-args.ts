import { acceptsFlag, LATEST_LINE } from '../shared/vllm-versions.js';
import { SERVE_FLAGS, type FlagDef } from './serve-flags.js';

/** The usage line vLLM's `serve` subparser prints before an error. */
export const SERVE_USAGE = 'usage: vllm serve [model_tag] [options]';

export interface LoraModule {
  name: string;
  path: string;
  baseModelName: string | null;
}

/** What the simulator takes from a `vllm serve` command line. */
export interface ServeArgs {
  model: string;
  servedModelNames: string[];
  host: string | null;
  port: number;
  gpuMemoryUtilization: number;
  tensorParallelSize: number;
  maxModelLen: number | null;
  dtype: string;
  quantization: string | null;
  maxNumSeqs: number;
  kvCacheDtype: string;
  swapSpace: number;
  enforceEager: boolean;
  trustRemoteCode: boolean;
  revision: string | null;
  seed: number | null;
  enableSleepMode: boolean;
  enableLora: boolean;
  loraModules: LoraModule[];
  maxLoras: number;
  /** `--max-lora-rank` (default 16): an adapter of a higher rank fails to load. */
  maxLoraRank: number;
  downloadDir: string | null;
  /** `--api-key` takes several keys; any of them is accepted. */
  apiKeys: string[];
  /** 'pooling' when asked for (`--task embed`, `--runner pooling`, `--convert embed`), else null (auto). */
  runner: 'generate' | 'pooling' | null;
  enablePrefixCaching: boolean;
  disableLogStats: boolean;
  disableAccessLog: boolean;
  /** Non-default values by argparse dest (snake_case), for the "non-default args" log line. */
  nonDefault: Record<string, unknown>;
}

export type ParseOutcome =
  { kind: 'ok'; args: ServeArgs } | { kind: 'help' } | { kind: 'error'; message: string };

type Raw = Record<string, string | number | boolean | string[]>;

const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;
const isFlagToken = (t: string) => t.startsWith('-') && t !== '-' && !NEGATIVE_NUMBER.test(t);
const dest = (name: string) => name.replace(/-/g, '_');

class ArgError extends Error {}

function byToken(): Map<string, { def: FlagDef; negated: boolean }> {
  const map = new Map<string, { def: FlagDef; negated: boolean }>();
  for (const def of SERVE_FLAGS) {
    map.set(`--${def.name}`, { def, negated: false });
    if (def.negatable) map.set(`--no-${def.name}`, { def, negated: true });
    for (const s of def.short ?? []) map.set(`-${s}`, { def, negated: false });
  }
  return map;
}
const FLAGS = byToken();

function convert(def: FlagDef, shown: string, value: string): string | number {
  const bad = (type: string) =>
    new ArgError(`argument ${shown}: invalid ${type} value: '${value}'`);
  switch (def.kind) {
    case 'int': {
      if (!/^[-+]?\d+$/.test(value.trim())) throw bad('int');
      return Number.parseInt(value, 10);
    }
    case 'float': {
      const n = Number(value);
      if (value.trim() === '' || Number.isNaN(n)) throw bad('float');
      return n;
    }
    case 'len': {
      // Newer vLLM accepts human-readable lengths such as 32k or 1M (k = 1000, K = 1024).
      const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(value.trim());
      if (!m) throw bad('human_readable_int');
      const mult: Record<string, number> = {
        '': 1,
        k: 1e3,
        K: 1024,
        m: 1e6,
        M: 1024 ** 2,
        g: 1e9,
        G: 1024 ** 3,
      };
      return Math.round(Number(m[1]) * (mult[m[2] ?? ''] ?? 1));
    }
    case 'str':
    case 'bool':
    case 'multi':
      if (def.choices && !def.choices.includes(value)) {
        const list = def.choices.map((c) => `'${c}'`).join(', ');
        throw new ArgError(`argument ${shown}: invalid choice: '${value}' (choose from ${list})`);
      }
      return value;
  }
}

/**
 * One `--lora-modules` value as vLLM's LoRAParserAction reads it: `name=path` when it has a `=`
 * and no `,`, otherwise JSON, so a path with a comma fails as "Invalid JSON format" (exit 2).
 */
function parseLora(item: string): LoraModule {
  const eq = item.indexOf('=');
  if (eq !== -1 && !item.includes(',')) {
    return { name: item.slice(0, eq), path: item.slice(eq + 1), baseModelName: null };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(item);
  } catch {
    throw new ArgError(`Invalid JSON format for --lora-modules: ${item}`);
  }
  const o = (parsed ?? {}) as { name?: unknown; path?: unknown; base_model_name?: unknown };
  if (typeof o.name !== 'string' || typeof o.path !== 'string') {
    throw new ArgError(`Invalid fields for --lora-modules: ${item}`);
  }
  return {
    name: o.name,
    path: o.path,
    baseModelName: typeof o.base_model_name === 'string' ? o.base_model_name : null,
  };
}

function scan(
  argv: readonly string[],
  version: string,
): {
  raw: Raw;
  positional: string | null;
  unknown: string[];
  help: boolean;
} {
  const raw: Raw = {};
  let positional: string | null = null;
  const unknown: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--help' || token === '-h') return { raw, positional, unknown, help: true };
    if (!isFlagToken(token)) {
      if (positional === null) positional = token;
      else unknown.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    // vLLM's FlexibleArgumentParser accepts --max_model_len as well as --max-model-len.
    const key = token.startsWith('--')
      ? (eq === -1 ? token : token.slice(0, eq)).replace(/_/g, '-')
      : eq === -1
        ? token
        : token.slice(0, eq);
    const found = FLAGS.get(key);
    // A flag this release removed is unknown to its argparse, like any misspelt one.
    if (!found || !acceptsFlag(version, `--${found.def.name}`)) {
      unknown.push(token);
      continue;
    }
    const { def, negated } = found;
    const id = dest(def.name);
    if (def.kind === 'bool') {
      if (eq !== -1)
        throw new ArgError(`argument ${key}: ignored explicit argument '${token.slice(eq + 1)}'`);
      raw[id] = !negated;
      continue;
    }
    if (def.kind === 'multi') {
      const values: string[] = eq === -1 ? [] : [token.slice(eq + 1)];
      if (eq === -1)
        while (i + 1 < argv.length && !isFlagToken(argv[i + 1] ?? '')) values.push(argv[++i] ?? '');
      if (values.length === 0)
        throw new ArgError(`argument ${key}: expected at least one argument`);
      raw[id] = values;
      continue;
    }
    let value: string;
    if (eq !== -1) value = token.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || isFlagToken(next))
        throw new ArgError(`argument ${key}: expected one argument`);
      value = next;
      i++;
    }
    raw[id] = convert(def, key, value);
  }
  return { raw, positional, unknown, help: false };
}

function runnerOf(raw: Raw): ServeArgs['runner'] {
  const task = raw.task;
  const runner = raw.runner;
  const conv = raw.convert;
  if (runner === 'pooling' || task === 'embed' || task === 'embedding' || conv === 'embed')
    return 'pooling';
  if (runner === 'generate' || task === 'generate') return 'generate';
  return null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown, d: number): number => (typeof v === 'number' ? v : d);
const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d);

function validate(raw: Raw): void {
  const gmu = raw.gpu_memory_utilization;
  if (typeof gmu === 'number' && (gmu <= 0 || gmu > 1)) {
    throw new ArgError(
      `argument --gpu-memory-utilization: Value error, GPU memory utilization must be within (0, 1]. Got ${gmu}.`,
    );
  }
  for (const k of ['port', 'tensor_parallel_size', 'max_num_seqs', 'max_loras'] as const) {
    const v = raw[k];
    if (typeof v === 'number' && (v < (k === 'port' ? 0 : 1) || (k === 'port' && v > 65535))) {
      throw new ArgError(`argument --${k.replace(/_/g, '-')}: invalid value: '${v}'`);
    }
  }
}

/**
 * Parses a `vllm serve` command line the way `version`'s argparse does (flags it removed are
 * unrecognized): the positional model wins over
 * `--model`, `--flag value` and `--flag=value` both work, and the first bad value or the list of
 * unrecognized arguments becomes the error message argparse would print.
 */
export function parseServeArgs(
  argv: readonly string[],
  version: string = LATEST_LINE.version,
): ParseOutcome {
  try {
    const { raw, positional, unknown, help } = scan(argv, version);
    if (help) return { kind: 'help' };
    if (unknown.length > 0)
      return { kind: 'error', message: `unrecognized arguments: ${unknown.join(' ')}` };
    validate(raw);
    const model = positional ?? str(raw.model) ?? 'facebook/opt-125m';
    const served = Array.isArray(raw.served_model_name) ? raw.served_model_name : [model];
    const loraModules = Array.isArray(raw.lora_modules) ? raw.lora_modules.map(parseLora) : [];
    const nonDefault: Record<string, unknown> = {};
    if (positional !== null) nonDefault.model_tag = positional;
    for (const [k, v] of Object.entries(raw))
      nonDefault[k] = k === 'api_key' || k === 'hf_token' ? '[redacted]' : v;
    if (positional !== null) nonDefault.model = positional;
    const args: ServeArgs = {
      model,
      servedModelNames: served,
      host: str(raw.host),
      port: num(raw.port, 8000),
      gpuMemoryUtilization: num(raw.gpu_memory_utilization, 0.9),
      tensorParallelSize: num(raw.tensor_parallel_size, 1),
      maxModelLen: typeof raw.max_model_len === 'number' ? raw.max_model_len : null,
      dtype: str(raw.dtype) ?? 'auto',
      quantization: str(raw.quantization),
      maxNumSeqs: num(raw.max_num_seqs, 256),
      kvCacheDtype: str(raw.kv_cache_dtype) ?? 'auto',
      swapSpace: num(raw.swap_space, 4),
      enforceEager: bool(raw.enforce_eager, false),
      trustRemoteCode: bool(raw.trust_remote_code, false),
      revision: str(raw.revision),
      seed: typeof raw.seed === 'number' ? raw.seed : null,
      enableSleepMode: bool(raw.enable_sleep_mode, false),
      enableLora: bool(raw.enable_lora, false),
      loraModules,
      maxLoras: num(raw.max_loras, 1),
      maxLoraRank: num(raw.max_lora_rank, 16),
      downloadDir: str(raw.download_dir),
      apiKeys: Array.isArray(raw.api_key) ? raw.api_key : [],
      runner: runnerOf(raw),
      enablePrefixCaching: bool(raw.enable_prefix_caching, true),
      disableLogStats: bool(raw.disable_log_stats, false),
      disableAccessLog: bool(raw.disable_uvicorn_access_log, false),
      nonDefault,
    };
    return { kind: 'ok', args };
  } catch (err) {
    if (err instanceof ArgError) return { kind: 'error', message: err.message };
    throw err;
  }
}

/** Formats a value the way Python's repr() does, for vLLM-looking log lines. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    const s = value.replace(/\\/g, '\\\\');
    // Python picks double quotes when the string holds a single quote and no double quote.
    return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/'/g, "\\'")}'`;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value);
}
