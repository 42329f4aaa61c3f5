// The deploy form's values and how they become a DeploymentStart body (validated with the
// server's own schema, so the form shows the server's messages before anything is sent).
import {
  DeploymentStartSchema,
  type DeploymentManifest,
} from '../../src-main/shared/deployments.js';
import type { Settings } from '../../src-main/shared/settings.js';

/** One env var row; the value is typed into a password field and never shown again. */
export interface EnvRow {
  key: string;
  value: string;
}

export interface DeployForm {
  node_id: number | null;
  model_name: string;
  served_model_name: string;
  port: number | string;
  gpu_memory_fraction: number | string;
  gpu_ids: number[];
  duration: string;
  owner: string;
  pinned: boolean;
  max_model_len: number | string;
  dtype: string;
  quantization: string;
  tensor_parallel_size: number | string;
  vllm_version: string;
  extra_args: string;
  extra_packages: string;
  /** `name=path`, one per line. */
  lora: string;
  env: EnvRow[];
  max_failed_restarts: number | string;
}

const OWNER_KEY = 'aerie.owner';

/** The owner typed last time on this machine. */
export function rememberedOwner(): string {
  try {
    return localStorage.getItem(OWNER_KEY) ?? '';
  } catch {
    return '';
  }
}
export function rememberOwner(owner: string): void {
  try {
    localStorage.setItem(OWNER_KEY, owner);
  } catch {
    // A browser without storage just asks again next time.
  }
}

/** A blank form with the settings' defaults. */
export function emptyForm(settings: Settings | null): DeployForm {
  return {
    node_id: null,
    model_name: '',
    served_model_name: '',
    port: settings?.default_port ?? 8001,
    gpu_memory_fraction: settings?.default_gpu_fraction ?? 0.5,
    gpu_ids: [],
    duration: settings?.default_duration_choice ?? '43200',
    owner: rememberedOwner(),
    pinned: false,
    max_model_len: '',
    dtype: '',
    quantization: '',
    tensor_parallel_size: '',
    vllm_version: settings?.default_vllm_version ?? '',
    extra_args: '',
    extra_packages: '',
    lora: '',
    env: [],
    max_failed_restarts: settings?.default_max_failed_restarts ?? '',
  };
}

const num = (v: number | string): number | undefined =>
  typeof v === 'number' ? v : v.trim() === '' ? undefined : Number(v);
const words = (s: string) => s.split(/\s+/).filter(Boolean);
const list = (s: string) =>
  s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean);

/** The engine options set in the form (`served_model_name`, `max_model_len`, …). */
function engineArgs(f: DeployForm): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (f.served_model_name.trim()) out.served_model_name = f.served_model_name.trim();
  const len = num(f.max_model_len);
  if (len !== undefined) out.max_model_len = len;
  if (f.dtype) out.dtype = f.dtype;
  if (f.quantization) out.quantization = f.quantization;
  return out;
}

/** The request body the form describes (not yet validated). */
export function startBody(f: DeployForm): Record<string, unknown> {
  const tp = num(f.tensor_parallel_size);
  const mfr = num(f.max_failed_restarts);
  return {
    node_id: f.node_id ?? 0,
    model_name: f.model_name.trim(),
    port: num(f.port) ?? 0,
    gpu_memory_fraction: num(f.gpu_memory_fraction) ?? 0,
    gpu_ids: f.gpu_ids.length ? [...f.gpu_ids].sort((a, b) => a - b) : null,
    owner: f.owner.trim(),
    duration_seconds: f.duration === 'inf' ? null : Number(f.duration),
    pinned: f.pinned,
    engine_args: engineArgs(f),
    ...(tp !== undefined && { tensor_parallel_size: tp }),
    ...(mfr !== undefined && { max_failed_restarts: mfr }),
    ...(f.vllm_version.trim() && { vllm_version: f.vllm_version.trim() }),
    extra_args: words(f.extra_args),
    extra_packages: list(f.extra_packages),
    lora_modules: list(f.lora).map((line) => {
      const [name = '', ...rest] = line.split('=');
      return { name: name.trim(), path: rest.join('=').trim() };
    }),
    env_vars: f.env.filter((e) => e.key.trim()).map((e) => ({ key: e.key.trim(), value: e.value })),
  };
}

/** Field → first problem, from the server's zod schema; empty when the body is valid. */
export function validateForm(f: DeployForm): Record<string, string> {
  const r = DeploymentStartSchema.safeParse(startBody(f));
  if (r.success) return {};
  const out: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const field = issue.path[0] === 'node_id' ? 'node_id' : String(issue.path[0] ?? 'form');
    out[field] ??= field === 'node_id' ? 'choose a node' : issue.message;
  }
  return out;
}

/** The form a saved config or a manifest describes (placement stays as it is). */
export function formFromPayload(base: DeployForm, p: Record<string, unknown>): DeployForm {
  const engine = (
    p.engine_args && typeof p.engine_args === 'object' ? p.engine_args : {}
  ) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
  const lora = Array.isArray(p.lora_modules)
    ? (p.lora_modules as { name?: unknown; path?: unknown }[])
        .map((l) => `${str(l.name)}=${str(l.path)}`)
        .join('\n')
    : '';
  return {
    ...base,
    model_name: str(p.model_name) || str(p.model) || base.model_name,
    served_model_name: str(engine.served_model_name) || str(p.served_model_name),
    gpu_memory_fraction:
      typeof p.gpu_memory_fraction === 'number' ? p.gpu_memory_fraction : base.gpu_memory_fraction,
    max_model_len: typeof engine.max_model_len === 'number' ? engine.max_model_len : '',
    dtype: str(engine.dtype),
    quantization: str(engine.quantization),
    vllm_version: str(p.vllm_version),
    extra_args: strs(p.extra_args).join(' '),
    extra_packages: strs(p.extra_packages).join(', '),
    lora,
    env: strs(p.env_var_keys).map((key) => ({ key, value: '' })),
  };
}

/** The config payload a form saves (no env values: they are secrets). */
export function configPayload(f: DeployForm): Record<string, unknown> {
  const { env_vars: env, node_id: _node, owner: _owner, ...rest } = startBody(f);
  return { ...rest, env_var_keys: (env as { key: string }[]).map((e) => e.key) };
}

/** A manifest as a deploy form. */
export function formFromManifest(base: DeployForm, m: DeploymentManifest): DeployForm {
  return formFromPayload(base, {
    ...m,
    model_name: m.model,
    gpu_memory_fraction: m.gpu.memory_fraction,
  });
}
