import { mkdirSync } from 'node:fs';
import type {
  LaunchManifest,
  LaunchResult,
  Offloaded,
  StatusEntry,
} from '../../shared/agent-protocol/deployments.js';
import { AppError, errorMessage } from '../../shared/errors.js';
import {
  buildVllmArgs,
  CONTAINER_VLLM_CACHE,
  containerName,
  resolveVllmImage,
  type ResolvedImage,
} from '../../shared/vllm-args.js';
import { parseRelease } from '../../shared/vllm-versions.js';
import { compileCacheDir, packagesDir, simGpusDir } from '../data-dir.js';
import { packagesMount } from '../files/packages.js';
import { describeEnv, maskSecretArgs, secretArgValues } from '../logs/secret-mask.js';
import type {
  ContainerRuntime,
  LaunchSpec,
  Mount,
  PullProgress,
} from '../runtime/container-runtime.js';
import { allocateInternalPort } from './warm/internal-port.js';
import type { EngineContext } from './engine-context.js';
import { deploymentLabels } from './labels.js';
import { plainGpuCheck } from './launch-checks.js';
import { claimPort, type ValidatedLaunch } from './launch-validation.js';
import { claimsGpu, type Tracked } from './registry.js';
import { transition } from './status.js';
import { stopDeployment } from './stopper.js';
import { entryFromManifest, newTracked, toHttpError } from './tracked-factory.js';

/** The warm-cache steps a launch needs (implemented by the warm controller). */
export interface LaunchWarmOps {
  /** Makes room on the GPUs (pausing LRU victims) or throws 507; returns what was offloaded. */
  ensureFit(t: Tracked): Promise<Offloaded[]>;
  /** Best effort: wakes the models a cancelled launch paused for nothing, if still paused. */
  wakeAfterCancel(keys: readonly string[]): Promise<void>;
}

/** Starts the background parts of a launched deployment (proxy, log pump, monitor). */
export type Watch = (t: Tracked) => Promise<void>;

function provisional(v: ValidatedLaunch, runtime: ContainerRuntime): StatusEntry {
  const r = v.req;
  const manifest: LaunchManifest = {
    version: 1,
    owner: r.owner ?? null,
    duration_seconds: r.duration_seconds ?? null,
    expires_at: r.expires_at ?? null,
    // Secret flag values stay out of labels and status entries, as env values do.
    extra_args: maskSecretArgs(r.extra_args),
    // The keys the operator gave (the warm-mode variables the agent adds are its own).
    env_var_keys: [...new Set(r.env_vars.map((e) => e.key))],
    engine_args: r.engine_args ?? {},
    lora_modules: v.lora,
    extra_packages: r.extra_packages,
    gpu_memory_fraction: r.gpu_memory_fraction,
    gpu_ids: r.gpu_ids ?? null,
    tensor_parallel_size: r.tensor_parallel_size ?? null,
    max_failed_restarts: r.max_failed_restarts ?? null,
    container_runtime: runtime.name,
    warm: v.warm,
    pinned: r.pinned,
    internal_port: null,
  };
  return entryFromManifest(v.key, r.port, manifest, {
    status: 'starting',
    phase: r.skip_resource_check ? 'preparing image' : 'offloading models',
    vllm_version: null,
    image: null,
    image_digest: null,
    container_id: null,
    container_runtime: runtime.name,
    expires_at: r.expires_at ?? null,
  });
}

function progressUpdater(e: StatusEntry, now: () => number): (p: PullProgress) => void {
  let lastAt = 0;
  let lastPct = -1;
  return (p) => {
    const t = now();
    // Throttled like the reference: a change of ≥1 s or ≥1 % is worth reporting.
    if (t - lastAt < 1000 && Math.abs(p.percent - lastPct) < 1 && p.phase === e.phase) return;
    lastAt = t;
    lastPct = p.percent;
    e.phase = p.phase;
    e.pull_progress = { downloaded_mb: p.downloadedMb, total_mb: p.totalMb, percent: p.percent };
  };
}

/**
 * Launches a validated deployment; any failure removes the provisional entry (no ghosts). A stop
 * that arrives while the launch is in flight wins: the launch stops what it started, wakes the
 * models it paused for it, leaves the entry `stopped` and answers 409.
 */
export async function launch(
  ctx: EngineContext,
  v: ValidatedLaunch,
  warmOps: LaunchWarmOps,
  watch: Watch,
): Promise<LaunchResult> {
  const runtime = await ctx.deps.runtimes
    .select(v.req.container_runtime ?? null)
    .catch((err: unknown) => {
      throw toHttpError(err);
    });
  const entry = provisional(v, runtime);
  const t = newTracked(entry, v.env, runtime);
  t.launchAbort = new AbortController();
  ctx.registry.set(t);
  let offloaded: Offloaded[] = [];
  try {
    offloaded = await fitResources(ctx, v, t, warmOps);
    if (!t.stopRequested) await startContainer(ctx, v, t, runtime);
    if (!t.stopRequested) await watch(t);
    // Refused once a stop moved the entry on (`stopping` never goes back to a launch).
    if (transition(t, 'container_started')) {
      entry.phase = null;
      return { status: 'started', key: v.key, vllm_version: entry.vllm_version ?? '', offloaded };
    }
  } catch (err) {
    if (!t.stopRequested) {
      await rollback(ctx, t);
      throw toHttpError(err);
    }
  } finally {
    t.launchAbort = null;
  }
  await stopDeployment(ctx, t).catch((err: unknown) => {
    // As a failed stop ends elsewhere: visible, and a new stop may try again.
    transition(t, 'stop_failed');
    entry.error = `Failed to stop: ${errorMessage(err)}`;
  });
  await warmOps.wakeAfterCancel(offloaded.filter((o) => o.action === 'paused').map((o) => o.key));
  throw new AppError(
    'conflict',
    `Deployment ${v.key} was stopped while it was starting; the launch was cancelled.`,
  );
}

async function fitResources(
  ctx: EngineContext,
  v: ValidatedLaunch,
  t: Tracked,
  warmOps: LaunchWarmOps,
): Promise<LaunchResult['offloaded']> {
  if (v.req.skip_resource_check) return [];
  // The host sends the node's warm policy with each launch; /config carries the same flag.
  if (v.req.warm_offload ?? ctx.policy.warm_offload_enabled) return warmOps.ensureFit(t);
  // Every live container counts, paused ones too (behaviour.md §2.8): a paused model takes its
  // share back on resume, so selling it to a cold launch would leave it unable to wake.
  const claims = ctx.registry
    .active()
    .filter((o) => o !== t && claimsGpu(o))
    .map((o) => ({ gpu_ids: o.entry.gpu_ids, fraction: o.entry.gpu_memory_fraction }));
  const problem = plainGpuCheck(v.gpus, claims, {
    gpu_ids: v.req.gpu_ids ?? null,
    fraction: v.req.gpu_memory_fraction,
  });
  if (problem) throw new AppError('conflict', problem);
  return [];
}

/** Resolves and prepares the image (pull, copy), reporting pull progress on the entry. */
async function prepareImage(
  ctx: EngineContext,
  t: Tracked,
  v: ValidatedLaunch,
  runtime: ContainerRuntime,
): Promise<ResolvedImage> {
  const e = t.entry;
  const d = ctx.deps;
  e.phase = 'preparing image';
  const img = resolveVllmImage(v.req.vllm_version, {
    imageRepo: d.imageRepo,
    latestRelease: (await d.latestRelease?.()) ?? null,
  });
  e.image = img.image;
  e.vllm_version = img.vllm_version;
  try {
    const res = await runtime.ensureImage(img.image, {
      mutable: img.mutable,
      onProgress: progressUpdater(e, () => d.clock.now()),
      signal: t.launchAbort?.signal,
    });
    e.image_digest = res.digest ?? res.imageId;
  } catch (err) {
    throw new AppError(
      'internal',
      `Failed to pull image ${img.image}: ${errorMessage(err)} Verify the vLLM version/tag exists on Docker Hub.`,
    );
  }
  e.pull_progress = null;
  return img;
}

/** The bind mounts of a deployment: HF cache, model dirs, packages, and a warm one's compile cache. */
async function containerMounts(
  ctx: EngineContext,
  t: Tracked,
  v: ValidatedLaunch,
): Promise<Mount[]> {
  const e = t.entry;
  const d = ctx.deps;
  const hostPackagesDir = packagesDir(d.dataDir);
  mkdirSync(hostPackagesDir, { recursive: true });
  const mounts: Mount[] = [
    { source: d.hfCacheDir, target: '/root/.cache/huggingface', readOnly: false },
    ...d.modelDirs.map((dir) => ({ source: dir, target: dir, readOnly: true })),
    packagesMount(hostPackagesDir),
  ];
  if (v.warm) {
    const { port, release } = await allocateInternalPort((p) => claimPort(ctx, e.key, p));
    e.internal_port = port;
    e.launch_manifest.internal_port = port;
    // The entry holds the port from here on, as the registry reports it.
    release();
    const cache = compileCacheDir(d.dataDir, e.key);
    mkdirSync(cache, { recursive: true });
    mounts.push({ source: cache, target: CONTAINER_VLLM_CACHE, readOnly: false });
  }
  if (d.simulatedGpus) {
    // A containerised simulator writes its state file from inside: same path on both sides.
    const dir = simGpusDir(d.dataDir);
    mkdirSync(dir, { recursive: true });
    mounts.push({ source: dir, target: dir, readOnly: false });
  }
  return mounts;
}

/** The container spec: vLLM's command line, env (values only here), labels (keys only). */
function launchSpec(
  ctx: EngineContext,
  t: Tracked,
  v: ValidatedLaunch,
  img: ResolvedImage,
  runtime: ContainerRuntime,
  mounts: Mount[],
): LaunchSpec {
  const e = t.entry;
  const d = ctx.deps;
  const args = buildVllmArgs({
    model_name: e.model_name,
    serve_port: e.internal_port ?? e.port,
    gpu_memory_fraction: e.gpu_memory_fraction,
    warm: v.warm,
    tensor_parallel_size: e.tensor_parallel_size,
    engine_args: v.req.engine_args,
    lora_modules: v.lora,
    extra_args: v.req.extra_args,
    host_packages_dir: packagesDir(d.dataDir),
  });
  const env = { ...v.env };
  const simState = ctx.simStateFile(e.key);
  if (simState) {
    env.AERIE_SIM_STATE_FILE = simState;
    // A simulator imitates the release its image tag names, as that image's vLLM would be.
    if (parseRelease(img.vllm_version) !== null) env.AERIE_SIM_VLLM_VERSION ??= img.vllm_version;
  }
  return {
    name: containerName(e.key),
    image: img.image,
    args,
    env,
    labels: deploymentLabels(e.key, e.port, img.vllm_version, runtime.name, e.launch_manifest),
    gpuIds: e.gpu_ids,
    passGpus: d.passGpus,
    mounts,
    restartUnlessStopped: true,
  };
}

/** Pulls the image, builds the spec and runs the container (the launch then makes it `loading`). */
async function startContainer(
  ctx: EngineContext,
  v: ValidatedLaunch,
  t: Tracked,
  runtime: ContainerRuntime,
): Promise<void> {
  const e = t.entry;
  t.log = ctx.deps.logs.open(e.key, e.model_name, e.port, runtime.name, true);
  const argSecrets = secretArgValues(v.req.extra_args);
  t.log.setSecretEnv(v.env);
  t.log.addSecrets(argSecrets);
  const img = await prepareImage(ctx, t, v, runtime);
  const spec = launchSpec(ctx, t, v, img, runtime, await containerMounts(ctx, t, v));
  ctx.state.startRun(e.key, v.env, argSecrets);
  e.phase = 'starting container';
  const envNote = Object.keys(v.env).length > 0 ? ` env: ${describeEnv(v.env)}` : '';
  ctx.agentLine(t, `Launching ${img.image} ${maskSecretArgs(spec.args).join(' ')}${envNote}`);
  const info = await runtime.run(spec);
  e.container_id = info.id;
  t.seenRestarts = info.restartCount;
  t.hostPid = info.pid;
}

async function rollback(ctx: EngineContext, t: Tracked): Promise<void> {
  t.stopRequested = true;
  t.logAbort?.abort();
  if (t.monitorTimer !== null) ctx.deps.clock.clearTimeout(t.monitorTimer);
  await t.proxy?.close().catch(() => undefined);
  if (t.entry.container_id && t.runtime)
    await t.runtime.remove(t.entry.container_id).catch(() => undefined);
  if (ctx.registry.get(t.entry.key) === t) ctx.registry.delete(t.entry.key);
  ctx.state.forget(t.entry.key);
  ctx.forgetSimState(t.entry.key);
  t.log?.flush();
}
