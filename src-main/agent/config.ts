import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import {
  describeIssues,
  httpUrlFlag,
  readFlags,
  tokenFlag,
  wholeNumberFlag,
  type FlagSpec,
} from '../shared/cli-flags.js';
import { defaultHfCacheDir } from './data-dir.js';
import { parseSimulateGpusSpec, type SimulatedGpuSpec } from './gpu/simulated.js';
import { errorMessage } from '../shared/errors.js';

/** Flags of `aerie agent` (DESIGN.md §1); each also reads its `AERIE_*` variable. */
export const AGENT_FLAGS: readonly FlagSpec[] = [
  { name: 'host', env: 'AERIE_HOST', help: 'address to bind (default 0.0.0.0)' },
  { name: 'port', env: 'AERIE_PORT', help: 'port to bind, 0 for any free port (default 9000)' },
  {
    name: 'data-dir',
    env: 'AERIE_DATA_DIR',
    help: 'logs, models and packages (default ~/.local/share/aerie-agent)',
  },
  { name: 'node-name', env: 'AERIE_NODE_NAME', help: 'name of this node (default: the hostname)' },
  {
    name: 'control-plane',
    env: 'AERIE_CONTROL_PLANE',
    help: 'control plane URL to announce to, e.g. http://10.0.0.5:8000',
  },
  {
    name: 'cluster-token',
    env: 'AERIE_CLUSTER_TOKEN',
    help: 'shared secret every API call must present (required unless --insecure)',
  },
  {
    name: 'advertise-host',
    env: 'AERIE_ADVERTISE_HOST',
    help: 'address the control plane reaches this agent at (default: detected)',
  },
  { name: 'runtime', env: 'AERIE_RUNTIME', help: 'docker | podman | process (default: detected)' },
  {
    name: 'simulate-gpus',
    env: 'AERIE_SIMULATE_GPUS',
    help: 'simulated GPU inventory COUNTxNAME-MEMGB[,…], e.g. 2xH100-80GB',
  },
  {
    name: 'image-repo',
    env: 'AERIE_IMAGE_REPO',
    help: 'vLLM image repository (default vllm/vllm-openai)',
  },
  { name: 'consul-url', env: 'AERIE_CONSUL_URL', help: 'optional Consul HTTP API to register in' },
  {
    name: 'model-dirs',
    env: 'AERIE_MODEL_DIRS',
    help: 'extra host directories holding models, comma-separated',
  },
  {
    name: 'insecure',
    env: 'AERIE_INSECURE',
    boolean: true,
    help: 'run without a cluster token (no authentication at all)',
  },
];

const RawAgentConfig = z.object({
  host: z.string().min(1).default('0.0.0.0'),
  port: wholeNumberFlag(0, 65535).default(9000),
  dataDir: z
    .string()
    .min(1)
    .default(join(homedir(), '.local', 'share', 'aerie-agent')),
  nodeName: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
      'must be 1–63 letters, digits, dots, dashes or underscores',
    )
    .optional(),
  controlPlane: httpUrlFlag.optional(),
  clusterToken: tokenFlag.optional(),
  advertiseHost: z
    .string()
    .regex(/^[A-Za-z0-9.:-]+$/, 'must be a host name or an IP address')
    .optional(),
  runtime: z
    .enum(['docker', 'podman', 'process'], { message: "must be 'docker', 'podman' or 'process'" })
    .optional(),
  simulateGpus: z.string().optional(),
  imageRepo: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._/:-]*$/, 'must be an image repository like vllm/vllm-openai')
    .default('vllm/vllm-openai'),
  consulUrl: httpUrlFlag.optional(),
  modelDirs: z.string().optional(),
  insecure: z.boolean().default(false),
});

/** The validated, frozen configuration of `aerie agent`. */
export interface AgentConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly nodeName: string;
  readonly controlPlane: string | undefined;
  /** Undefined only with `insecure`. */
  readonly clusterToken: string | undefined;
  readonly advertiseHost: string | undefined;
  readonly runtime: 'docker' | 'podman' | 'process' | undefined;
  /** One entry per simulated GPU (`--simulate-gpus`), undefined on real hardware. */
  readonly simulateGpus: readonly SimulatedGpuSpec[] | undefined;
  readonly imageRepo: string;
  readonly consulUrl: string | undefined;
  /** Absolute, resolved. */
  readonly modelDirs: readonly string[];
  readonly insecure: boolean;
  /** HuggingFace cache on the host, mounted into every container (`AERIE_HF_CACHE_DIR`, default `<data-dir>/hf-cache`). */
  readonly hfCacheDir: string;
  /** Size cap of one active log file, bytes (`AERIE_AGENT_LOG_MAX_MB`, default 50). */
  readonly logMaxBytes: number;
  /** Log files untouched this long are deleted at start (`AERIE_AGENT_LOG_RETENTION_DAYS`, default 14). */
  readonly logRetentionDays: number;
  /**
   * Milliseconds between monitor ticks of each deployment (`AERIE_AGENT_MONITOR_INTERVAL_MS`,
   * default 2000 as in the reference); test suites shorten it to see state changes sooner.
   */
  readonly monitorIntervalMs: number;
  /** Milliseconds between announcements and Consul registrations (`AERIE_AGENT_ANNOUNCE_INTERVAL_MS`, default 10 000). */
  readonly announceIntervalMs: number;
}

export type AgentConfigResult =
  { ok: true; config: AgentConfig } | { ok: false; problems: string[] };

/** The problem listed when neither a cluster token nor --insecure is given. */
export const MISSING_TOKEN_PROBLEM =
  '--cluster-token (AERIE_CLUSTER_TOKEN): required. Pass the cluster token that `aerie serve` printed, or --insecure to run without authentication';

function envNumber(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
  max: number,
  problems: string[],
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > max) {
    problems.push(`${name}: must be a whole number 1–${max}, got '${raw}'`);
    return fallback;
  }
  return n;
}

/** Reads flags > env > defaults once and validates them, collecting every problem. */
export function loadAgentConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): AgentConfigResult {
  const { values, problems } = readFlags(argv, env, AGENT_FLAGS);
  const parsed = RawAgentConfig.safeParse(values);
  if (!parsed.success) problems.push(...describeIssues(parsed.error.issues, AGENT_FLAGS));
  let gpus: SimulatedGpuSpec[] | undefined;
  const rawSpec = typeof values.simulateGpus === 'string' ? values.simulateGpus : undefined;
  if (rawSpec !== undefined) {
    try {
      gpus = parseSimulateGpusSpec(rawSpec);
    } catch (err) {
      problems.push(`--simulate-gpus (AERIE_SIMULATE_GPUS): ${errorMessage(err)}`);
    }
  }
  const logMaxMb = envNumber(env, 'AERIE_AGENT_LOG_MAX_MB', 50, 100_000, problems);
  const retentionDays = envNumber(env, 'AERIE_AGENT_LOG_RETENTION_DAYS', 14, 3650, problems);
  const monitorIntervalMs = envNumber(
    env,
    'AERIE_AGENT_MONITOR_INTERVAL_MS',
    2000,
    60_000,
    problems,
  );
  const announceIntervalMs = envNumber(
    env,
    'AERIE_AGENT_ANNOUNCE_INTERVAL_MS',
    10_000,
    3_600_000,
    problems,
  );
  if (values.clusterToken === undefined && values.insecure !== true)
    problems.push(MISSING_TOKEN_PROBLEM);
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  const c = parsed.data;
  const dataDir = resolve(c.dataDir);
  const modelDirs = (c.modelDirs ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((d) => resolve(d));
  return {
    ok: true,
    config: Object.freeze({
      host: c.host,
      port: c.port,
      dataDir,
      nodeName: c.nodeName ?? hostname(),
      controlPlane: c.controlPlane,
      clusterToken: c.clusterToken,
      advertiseHost: c.advertiseHost,
      runtime: c.runtime,
      simulateGpus: gpus ? Object.freeze(gpus) : undefined,
      imageRepo: c.imageRepo,
      consulUrl: c.consulUrl,
      modelDirs: Object.freeze(modelDirs),
      insecure: c.insecure,
      hfCacheDir: resolve(env.AERIE_HF_CACHE_DIR || defaultHfCacheDir(dataDir)),
      logMaxBytes: logMaxMb * 1024 * 1024,
      logRetentionDays: retentionDays,
      monitorIntervalMs,
      announceIntervalMs,
    }),
  };
}
