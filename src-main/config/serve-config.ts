import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseCidr, type Cidr } from '../shared/cidr.js';
import {
  describeIssues,
  httpUrlFlag,
  readFlags,
  tokenFlag,
  wholeNumberFlag,
  type FlagSpec,
} from '../shared/cli-flags.js';
import { errorMessage } from '../shared/errors.js';

/** Flags of `aerie serve`; each also reads its `AERIE_*` variable. */
export const SERVE_FLAGS: readonly FlagSpec[] = [
  { name: 'host', env: 'AERIE_HOST', help: 'address to bind (default 0.0.0.0)' },
  { name: 'port', env: 'AERIE_PORT', help: 'port to bind, 0 for any free port (default 8000)' },
  {
    name: 'data-dir',
    env: 'AERIE_DATA_DIR',
    help: 'database and token files (default ~/.local/share/aerie)',
  },
  {
    name: 'cluster-token',
    env: 'AERIE_CLUSTER_TOKEN',
    help: 'token agents present (default: created in the data dir)',
  },
  {
    name: 'admin-token',
    env: 'AERIE_ADMIN_TOKEN',
    help: 'token for /api from untrusted networks (default: created)',
  },
  {
    name: 'trusted-networks',
    env: 'AERIE_TRUSTED_NETWORKS',
    help: 'CIDR list trusted without a token (default 127.0.0.0/8,::1)',
  },
  { name: 'api-auth', env: 'AERIE_API_AUTH', help: 'token | open (default token)' },
  { name: 'consul-url', env: 'AERIE_CONSUL_URL', help: 'optional Consul HTTP API for discovery' },
  {
    name: 'demo',
    env: 'AERIE_DEMO',
    boolean: true,
    help: 'also run an in-process agent with simulated GPUs',
  },
];

const RawServeConfig = z.object({
  host: z.string().min(1).default('0.0.0.0'),
  port: wholeNumberFlag(0, 65535).default(8000),
  dataDir: z
    .string()
    .min(1)
    .default(join(homedir(), '.local', 'share', 'aerie')),
  clusterToken: tokenFlag.optional(),
  adminToken: tokenFlag.optional(),
  trustedNetworks: z.string().default('127.0.0.0/8,::1'),
  apiAuth: z.enum(['token', 'open'], { message: "must be 'token' or 'open'" }).default('token'),
  consulUrl: httpUrlFlag.optional(),
  demo: z.boolean().default(false),
});

/** The validated, frozen configuration of `aerie serve`. */
export interface ServeConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly clusterToken: string | undefined;
  readonly adminToken: string | undefined;
  readonly trustedNetworks: readonly Cidr[];
  readonly apiAuth: 'token' | 'open';
  readonly consulUrl: string | undefined;
  readonly demo: boolean;
  readonly vllmReleasesUrl: string;
  /** First webhook retry delay, ms (`AERIE_WEBHOOK_RETRY_BASE_MS`; tests shorten it). */
  readonly webhookRetryBaseMs: number | undefined;
}

export type ConfigResult = { ok: true; config: ServeConfig } | { ok: false; problems: string[] };

const DEFAULT_RELEASES_URL = 'https://api.github.com/repos/vllm-project/vllm/releases/latest';

/** Reads flags > env > defaults once and validates them, collecting every problem. */
export function loadServeConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConfigResult {
  const { values, problems } = readFlags(argv, env, SERVE_FLAGS);
  const parsed = RawServeConfig.safeParse(values);
  if (!parsed.success) problems.push(...describeIssues(parsed.error.issues, SERVE_FLAGS));
  const networks: Cidr[] = [];
  const rawNetworks = parsed.success
    ? parsed.data.trustedNetworks
    : String(values.trustedNetworks ?? '');
  for (const part of rawNetworks
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    try {
      networks.push(parseCidr(part));
    } catch (err) {
      problems.push(`--trusted-networks (AERIE_TRUSTED_NETWORKS): ${errorMessage(err)}`);
    }
  }
  const releasesUrl = env.AERIE_VLLM_RELEASES_URL ?? DEFAULT_RELEASES_URL;
  if (!/^https?:\/\/\S+$/i.test(releasesUrl))
    problems.push(`AERIE_VLLM_RELEASES_URL: must be an http(s) URL`);
  const rawRetryBase = env.AERIE_WEBHOOK_RETRY_BASE_MS;
  const retryBase = rawRetryBase === undefined ? undefined : Number(rawRetryBase);
  if (
    retryBase !== undefined &&
    (!/^\d+$/.test(rawRetryBase ?? '') || retryBase < 1 || retryBase > 3_600_000)
  )
    problems.push('AERIE_WEBHOOK_RETRY_BASE_MS: must be a whole number of ms from 1 to 3600000');
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  const c = parsed.data;
  return {
    ok: true,
    config: Object.freeze({
      host: c.host,
      port: c.port,
      dataDir: resolve(c.dataDir),
      clusterToken: c.clusterToken,
      adminToken: c.adminToken,
      trustedNetworks: Object.freeze(networks),
      apiAuth: c.apiAuth,
      consulUrl: c.consulUrl,
      demo: c.demo,
      vllmReleasesUrl: releasesUrl,
      webhookRetryBaseMs: retryBase,
    }),
  };
}
