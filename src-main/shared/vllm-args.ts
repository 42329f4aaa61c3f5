// How a deployment request becomes a vLLM image, command line, container name and environment
// (behaviour.md §2.3, §2.5–§2.7). Pure, so the agent, the control plane's manifests and the tests
// all derive the same values.

import { AppError } from './errors.js';

/** Default image repository (`--image-repo` overrides it). */
export const DEFAULT_IMAGE_REPO = 'vllm/vllm-openai';
/** Tags that move over time and are therefore re-pulled on every deploy. */
export const MUTABLE_TAGS: ReadonlySet<string> = new Set(['nightly', 'latest']);
/** Where the host packages dir is mounted inside the container. */
export const CONTAINER_PACKAGES_DIR = '/packages';
/** vLLM's compile cache inside the image; warm deployments mount a persistent dir here. */
export const CONTAINER_VLLM_CACHE = '/root/.cache/vllm';

/** A launch input the operator must fix (`bad_request`, answered with this message). */
export class LaunchInputError extends AppError {
  constructor(message: string) {
    super('bad_request', message);
    this.name = 'LaunchInputError';
  }
}

export interface ResolvedImage {
  /** Full reference, e.g. `vllm/vllm-openai:v0.11.0`. */
  image: string;
  tag: string;
  /** What is stored as the deployment's `vllm_version`. */
  vllm_version: string;
  /** True for `nightly`/`latest`: pull again on every deploy. */
  mutable: boolean;
}

const DOCKER_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Maps a requested vLLM version to an image tag (§2.5). `latestRelease` is the newest GitHub
 * release (e.g. `0.11.0`), or null when it could not be fetched. Throws LaunchInputError for a
 * version that cannot form a valid tag.
 */
export function resolveVllmImage(
  version: string | null | undefined,
  opts: { imageRepo?: string | null; latestRelease: string | null },
): ResolvedImage {
  const repo = opts.imageRepo?.trim() || DEFAULT_IMAGE_REPO;
  const input = (version ?? '').trim();
  let tag: string;
  let stored: string;
  if (input === '') {
    const release = opts.latestRelease?.trim().replace(/^v/, '') ?? '';
    tag = release === '' ? 'latest' : `v${release}`;
    stored = release === '' ? 'latest' : release;
  } else if (input.toLowerCase() === 'nightly') {
    tag = 'nightly';
    stored = 'nightly';
  } else if (/^[0-9a-f]{40}$/.test(input)) {
    tag = `nightly-${input}`;
    stored = input;
  } else if (/^\d+\.\d+(\.\d+)?/.test(input)) {
    tag = `v${input}`;
    stored = input;
  } else {
    tag = input;
    stored = input;
  }
  if (!DOCKER_TAG.test(tag)) {
    throw new LaunchInputError(
      `vllm_version '${input}' does not form a valid image tag ('${tag}'). Use a release such as 0.11.0, 'nightly', a 40-character commit, or an existing tag.`,
    );
  }
  return { image: `${repo}:${tag}`, tag, vllm_version: stored, mutable: MUTABLE_TAGS.has(tag) };
}

/** The agent's identity for a deployment: `<model_name>:<port>`. */
export function deploymentKey(modelName: string, port: number): string {
  return `${modelName}:${port}`;
}

/** Container name for a deployment key: `aerie-` plus the key with unsafe characters as `-`. */
export function containerName(key: string): string {
  return `aerie-${key.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}

export type EngineArgs = Readonly<Record<string, unknown>>;

type ArgKind = 'value' | 'bare';
/** The allow-list of structured engine args (§2.6), in the order their flags are emitted. */
export const ENGINE_ARG_FLAGS: readonly (readonly [key: string, flag: string, kind: ArgKind])[] = [
  ['served_model_name', '--served-model-name', 'value'],
  ['max_model_len', '--max-model-len', 'value'],
  ['dtype', '--dtype', 'value'],
  ['quantization', '--quantization', 'value'],
  ['max_num_seqs', '--max-num-seqs', 'value'],
  ['kv_cache_dtype', '--kv-cache-dtype', 'value'],
  ['swap_space', '--swap-space', 'value'],
  ['enforce_eager', '--enforce-eager', 'bare'],
  ['trust_remote_code', '--trust-remote-code', 'bare'],
  ['revision', '--revision', 'value'],
  ['seed', '--seed', 'value'],
];

/** Translates allow-listed engine args to flags; unknown keys, null, "" and false emit nothing. */
export function engineArgsToFlags(engineArgs: EngineArgs | null | undefined): string[] {
  if (!engineArgs) return [];
  const out: string[] = [];
  for (const [key, flag, kind] of ENGINE_ARG_FLAGS) {
    const v = engineArgs[key];
    if (kind === 'bare') {
      if (v === true) out.push(flag);
      continue;
    }
    if (typeof v === 'number' && Number.isFinite(v)) out.push(flag, String(v));
    else if (typeof v === 'string' && v.trim() !== '') out.push(flag, v.trim());
    else if (Array.isArray(v)) {
      const names = v
        .filter((x): x is string => typeof x === 'string' && x.trim() !== '')
        .map((x) => x.trim());
      if (names.length > 0) out.push(flag, ...names);
    }
  }
  return out;
}

/** True when a deployment runs warm: the node allows it and the request did not opt out. */
export function isWarmLaunch(
  nodeWarmOffload: boolean,
  engineArgs: EngineArgs | null | undefined,
): boolean {
  return nodeWarmOffload && engineArgs?.disable_sleep_mode !== true;
}

/** The served names a deployment answers to: its served model name (or model) and its adapters. */
export function primaryAliases(
  modelName: string,
  engineArgs: EngineArgs | null | undefined,
  lora: readonly LoraModule[] | null | undefined,
): string[] {
  const flags = engineArgsToFlags({ served_model_name: engineArgs?.served_model_name });
  return [flags[1] ?? modelName, ...(lora ?? []).map((m) => m.name)];
}

export interface LoraModule {
  name: string;
  path: string;
}

/**
 * Checks LoRA specs (§2.7): both name and path present, names unique and usable on the command
 * line. Returns trimmed copies; throws LaunchInputError naming the problem.
 */
export function validateLoraModules(
  modules: readonly { name?: string | null; path?: string | null }[] | null | undefined,
): LoraModule[] {
  const out: LoraModule[] = [];
  const seen = new Set<string>();
  for (const m of modules ?? []) {
    const name = m.name?.trim() ?? '';
    const path = m.path?.trim() ?? '';
    if (name === '' || path === '')
      throw new LaunchInputError('Each LoRA module needs both a name and a path.');
    if (/[\s=]/.test(name)) {
      throw new LaunchInputError(`LoRA module name '${name}' must not contain spaces or '='.`);
    }
    if (seen.has(name)) {
      throw new LaunchInputError(
        `Duplicate LoRA module name '${name}'. Give each adapter a unique name.`,
      );
    }
    seen.add(name);
    out.push({ name, path });
  }
  return out;
}

/**
 * Rewrites the host packages dir to `/packages` wherever a path starts inside an arg: the whole
 * arg, after `--flag=`, or inside a `,`/`;`/`:`/space separated list. Look-alike prefixes stay.
 */
export function rewritePackagesPath(
  arg: string,
  hostPackagesDir: string | null | undefined,
): string {
  const dir = hostPackagesDir?.replace(/\/+$/, '') ?? '';
  if (dir === '') return arg;
  const escaped = dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(^|[=,;:\\s"'])${escaped}(?=/|$|[,;:\\s"'])`, 'g');
  return arg.replace(re, `$1${CONTAINER_PACKAGES_DIR}`);
}

export interface VllmCommandInput {
  model_name: string;
  /** The port vLLM listens on: the internal loopback port in warm mode, else the public one. */
  serve_port: number;
  gpu_memory_fraction: number;
  warm: boolean;
  tensor_parallel_size?: number | null;
  engine_args?: EngineArgs | null;
  lora_modules?: readonly LoraModule[] | null;
  extra_args?: readonly string[] | null;
  host_packages_dir?: string | null;
}

/** The arguments after the image's entrypoint, in the reference's order (§2.3). */
export function buildVllmArgs(input: VllmCommandInput): string[] {
  const args = [
    '--model',
    input.model_name,
    '--port',
    String(input.serve_port),
    '--gpu-memory-utilization',
    String(input.gpu_memory_fraction),
  ];
  if (input.warm) args.push('--host', '127.0.0.1', '--enable-sleep-mode');
  if (input.tensor_parallel_size != null && input.tensor_parallel_size > 0) {
    args.push('--tensor-parallel-size', String(input.tensor_parallel_size));
  }
  args.push(...engineArgsToFlags(input.engine_args));
  const lora = input.lora_modules ?? [];
  if (lora.length > 0) args.push('--enable-lora', '--lora-modules', ...lora.map(loraModuleArg));
  for (const a of input.extra_args ?? [])
    args.push(rewritePackagesPath(a, input.host_packages_dir));
  return args;
}

/**
 * One `--lora-modules` value: `name=path`, or the JSON form when the path holds a `,` (vLLM reads
 * any value with a comma as JSON, so `name=a,b` would fail with "Invalid JSON format").
 */
export function loraModuleArg(m: LoraModule): string {
  return m.path.includes(',')
    ? JSON.stringify({ name: m.name, path: m.path })
    : `${m.name}=${m.path}`;
}

/** Removes one pair of matching single or double quotes around a value. */
export function stripMatchingQuotes(value: string): string {
  if (value.length >= 2) {
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q)) return value.slice(1, -1);
  }
  return value;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The container environment from `env_vars` (§2.3): quotes stripped, later keys win; warm mode
 * adds VLLM_SERVER_DEV_MODE=1 and VLLM_CACHE_ROOT unless given. Throws LaunchInputError for a bad
 * name (the message never includes the value, which may be a secret).
 */
export function buildVllmEnv(
  envVars: readonly { key: string; value: string }[] | null | undefined,
  warm: boolean,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { key, value } of envVars ?? []) {
    const name = key.trim();
    if (!ENV_NAME.test(name)) {
      throw new LaunchInputError(
        `Environment variable name '${name}' is invalid: use letters, digits and '_', not starting with a digit.`,
      );
    }
    env[name] = stripMatchingQuotes(value);
  }
  if (warm) {
    env.VLLM_SERVER_DEV_MODE ??= '1';
    env.VLLM_CACHE_ROOT ??= CONTAINER_VLLM_CACHE;
  }
  return env;
}
