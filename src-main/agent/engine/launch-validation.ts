import { homedir } from 'node:os';
import { AppError, errorMessage } from '../../shared/errors.js';
import { isPortAvailable } from '../system/port-check.js';
import {
  buildVllmEnv,
  deploymentKey,
  isWarmLaunch,
  validateLoraModules,
  type LoraModule,
} from '../../shared/vllm-args.js';
import type { EngineContext } from './engine-context.js';
import type { EngineGpu } from './engine-deps.js';
import { type LaunchRequest } from '../../shared/agent-protocol/deployments.js';
import { resolveAllowedPath } from '../files/model-paths.js';
import { gpuIdsProblem } from './launch-checks.js';
import { checkArgsForVersion, targetVersion } from './launch-version-check.js';

/** A launch request after validation: everything later steps need, already derived. */
export interface ValidatedLaunch {
  key: string;
  req: LaunchRequest;
  lora: LoraModule[];
  env: Record<string, string>;
  warm: boolean;
  gpus: EngineGpu[];
  /** Gives the port back; call once the launch ended (its entry then holds the port, or it failed). */
  release(): void;
}

function badRequest(err: unknown): never {
  throw new AppError('bad_request', errorMessage(err));
}

/**
 * Validates a launch in the reference's order (behaviour.md §2.3): key not tracked (400), host
 * model path allowed (400), LoRA specs (400), port free (409), GPU ids in range (400); then the
 * flags the target vLLM version accepts (422, shared/vllm-versions.ts). The port is
 * reserved from here on: the caller releases it when the launch ends. Nothing before the
 * reservation may await, or two launches could both pass it.
 */
export async function validateLaunch(
  ctx: EngineContext,
  req: LaunchRequest,
): Promise<ValidatedLaunch> {
  const key = deploymentKey(req.model_name, req.port);
  if (ctx.registry.isActive(key)) throw new AppError('bad_request', 'Deployment already running');
  const dirs = ctx.deps.modelDirs;
  if (req.model_name.startsWith('/')) {
    try {
      resolveAllowedPath(req.model_name, dirs, 'Model path');
    } catch (err) {
      badRequest(err);
    }
  }
  let lora: LoraModule[] = [];
  try {
    lora = validateLoraModules(req.lora_modules);
    for (const m of lora) {
      if (!m.path.startsWith('/') && !m.path.startsWith('~')) continue;
      const expanded = m.path.startsWith('~') ? homedir() + m.path.slice(1) : m.path;
      m.path = resolveAllowedPath(expanded, dirs, `LoRA adapter '${m.name}' path`);
    }
  } catch (err) {
    badRequest(err);
  }
  const warm = isWarmLaunch(req.warm_offload ?? ctx.policy.warm_offload_enabled, req.engine_args);
  let env: Record<string, string> = {};
  try {
    env = buildVllmEnv(req.env_vars, warm);
  } catch (err) {
    badRequest(err);
  }
  const release = reservePort(ctx, key, req.port);
  try {
    if (!(await isPortAvailable(req.port))) throw portInUse(req.port);
    const gpus = await ctx.deps.gpus.list();
    const gpuProblem = gpuIdsProblem(req.gpu_ids, gpus.length);
    if (gpuProblem) throw new AppError('bad_request', gpuProblem);
    const latest = (await ctx.deps.latestRelease?.()) ?? null;
    checkArgsForVersion(req, lora, warm, targetVersion(req.vllm_version, latest));
    return { key, req, lora, env, warm, gpus, release };
  } catch (err) {
    release();
    throw err;
  }
}

const portInUse = (port: number) =>
  new AppError('conflict', `Port ${port} is already in use on this node.`);

/**
 * Claims `port` for the launch of `key`, or throws: 400 when the same deployment is being launched
 * already, 409 when a live deployment (public or internal port) or another launch holds it. Runs
 * without awaiting anything, so two concurrent launches can never both pass; the bind check that
 * follows finds ports held by other programs. Returns the release.
 */
function reservePort(ctx: EngineContext, key: string, port: number): () => void {
  const holder = ctx.launchingPorts.get(port);
  if (holder === key) throw new AppError('bad_request', 'Deployment already running');
  const live = ctx.registry
    .active()
    .some((t) => t.entry.port === port || t.entry.internal_port === port);
  if (holder !== undefined || live) throw portInUse(port);
  ctx.launchingPorts.set(port, key);
  return () => {
    if (ctx.launchingPorts.get(port) === key) ctx.launchingPorts.delete(port);
  };
}

/**
 * Claims `port` for `key` in the launch reservations unless a live or launching deployment holds
 * it (as its public or internal port); never awaits. Returns the release, or null.
 */
export function claimPort(ctx: EngineContext, key: string, port: number): (() => void) | null {
  const used = ctx.registry
    .active()
    .some((t) => t.entry.port === port || t.entry.internal_port === port);
  if (used || ctx.launchingPorts.has(port)) return null;
  ctx.launchingPorts.set(port, key);
  return () => {
    if (ctx.launchingPorts.get(port) === key) ctx.launchingPorts.delete(port);
  };
}
