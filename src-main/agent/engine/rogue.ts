import { AppError, errnoCode } from '../../shared/errors.js';
import type { ContainerInfo, ContainerRuntime } from '../runtime/container-runtime.js';
import type { EngineContext } from './engine-context.js';
import { MANAGED_LABEL } from './labels.js';
import { describeProcess, isAlive, killSurvivors, procRef, snapshotTree } from './process-tree.js';
import type { ContainerEntry, GpuProcessEntry } from '../../shared/agent-protocol/housekeeping.js';

const VLLM_IMAGE = /^(docker\.io\/)?(vllm\/vllm-openai|aerie\/local)(:|@|$)/;
/** Names and command lines of vLLM server processes (`vllm serve`, `VLLM::EngineCore`, `VLLM::Worker`). */
export const VLLM_PROCESS = /vllm|enginecore/i;

const withoutHub = (ref: string) => ref.replace(/^docker\.io\//, '');

/** True when `image` is a tag or digest of repository `repo` (Podman's `docker.io/` prefix ignored). */
function underRepo(image: string, repo: string): boolean {
  const img = withoutHub(image);
  const r = withoutHub(repo);
  return img === r || img.startsWith(`${r}:`) || img.startsWith(`${r}@`);
}

/** Managed, or running a vLLM image: the well-known ones or the node's own `--image-repo`. */
function isVllmContainer(ctx: EngineContext, c: ContainerInfo): boolean {
  return (
    c.labels[MANAGED_LABEL] === 'true' ||
    VLLM_IMAGE.test(c.image) ||
    underRepo(c.image, ctx.deps.imageRepo)
  );
}

function trackedKeyOf(ctx: EngineContext, containerId: string): string | null {
  const t = ctx.registry.active().find((x) => x.entry.container_id === containerId);
  return t ? t.entry.key : null;
}

async function allContainers(
  ctx: EngineContext,
): Promise<{ runtime: ContainerRuntime; c: ContainerInfo }[]> {
  const out: { runtime: ContainerRuntime; c: ContainerInfo }[] = [];
  for (const runtime of await ctx.deps.runtimes.all().catch(() => [])) {
    const list = await runtime.list([]).catch(() => []);
    for (const c of list) if (isVllmContainer(ctx, c)) out.push({ runtime, c });
  }
  return out;
}

/** Managed or vLLM-image containers of every runtime, with whether a deployment tracks them. */
export async function listContainers(ctx: EngineContext): Promise<ContainerEntry[]> {
  return (await allContainers(ctx)).map(({ c }) => {
    const trackedKey = trackedKeyOf(ctx, c.id);
    return {
      id: c.id.slice(0, 12),
      name: c.name,
      image: c.image,
      status: c.state,
      managed: c.labels[MANAGED_LABEL] === 'true',
      key: c.labels['aerie.key'] ?? trackedKey,
      tracked: trackedKey !== null,
      runtime: c.runtime,
    };
  });
}

/** Removes an untracked (rogue) container and reaps its process tree; 409 for a tracked one. */
export async function stopRogueContainer(
  ctx: EngineContext,
  id: string,
): Promise<{ status: 'removed'; id: string }> {
  const found = (await allContainers(ctx)).find(
    ({ c }) => c.id === id || (id.length >= 6 && c.id.startsWith(id)),
  );
  if (!found) throw new AppError('not_found', `Container ${id} not found.`);
  if (trackedKeyOf(ctx, found.c.id) !== null) {
    throw new AppError(
      'conflict',
      'Managed by an active deployment — stop it from the Deployments table.',
    );
  }
  const snapshot = found.c.pid ? snapshotTree(found.c.pid) : [];
  await found.runtime.stop(found.c.id, 10).catch(() => undefined);
  await found.runtime.remove(found.c.id);
  killSurvivors(snapshot);
  return { status: 'removed', id: found.c.id.slice(0, 12) };
}

/** PID → key of every process in the trees of tracked containers (also used for warm artifacts). */
export async function trackedPids(ctx: EngineContext): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const t of ctx.registry.active()) {
    const id = t.entry.container_id;
    if (!id || !t.runtime) continue;
    const info = await t.runtime.inspect(id).catch(() => null);
    const tree = info?.pid ? snapshotTree(info.pid) : [];
    t.tree = tree;
    for (const p of tree) out.set(p.pid, t.entry.key);
  }
  return out;
}

/** vLLM compute processes on the GPUs (name or command line mentions vllm / EngineCore). */
export async function listGpuProcesses(ctx: EngineContext): Promise<GpuProcessEntry[]> {
  const apps = await ctx.deps.gpus.computeApps();
  const tracked = await trackedPids(ctx);
  const out: GpuProcessEntry[] = [];
  for (const a of apps) {
    const d = describeProcess(a.pid);
    if (!VLLM_PROCESS.test(a.process_name) && !VLLM_PROCESS.test(d.cmdline)) continue;
    const key = tracked.get(a.pid) ?? null;
    out.push({
      pid: a.pid,
      gpu_index: a.gpu_index,
      gpu_memory_mb: a.used_memory_mb,
      process_name: a.process_name || d.name,
      tracked: key !== null,
      key,
    });
  }
  return out;
}

/** SIGTERM, 10 s, then SIGKILL an orphaned vLLM process; 404 not vLLM or gone, 409 tracked, 403 not ours. */
export function killGpuProcess(
  ctx: EngineContext,
  pid: number,
  graceMs = 10_000,
): Promise<{ status: 'killed'; pid: number }> {
  const find = async () => (await listGpuProcesses(ctx)).find((p) => p.pid === pid) ?? null;
  return killOrphanProcess(pid, find, 'a vLLM GPU process', graceMs);
}

/**
 * Kills the orphaned vLLM process `pid` that `find` recognises (GPU processes, RAM sleepers):
 * 404 when `find` does not know it or it is gone, 409 when a deployment tracks it; SIGTERM, up to
 * `graceMs`, then SIGKILL; 403 when it cannot be signalled or survives.
 */
export async function killOrphanProcess(
  pid: number,
  find: () => Promise<{ tracked: boolean; key: string | null } | null>,
  what: string,
  graceMs = 10_000,
): Promise<{ status: 'killed'; pid: number }> {
  const entry = await find();
  const ref = procRef(pid);
  if (!entry || !ref)
    throw new AppError('not_found', `Process ${pid} is not ${what} on this node.`);
  if (entry.tracked)
    throw new AppError(
      'conflict',
      `Process ${pid} belongs to deployment ${entry.key}; stop it from the Deployments table.`,
    );
  try {
    process.kill(pid, 'SIGTERM');
  } catch (err) {
    if (errnoCode(err) === 'EPERM') {
      throw new AppError(
        'forbidden',
        `Not allowed to signal process ${pid}; remove it manually with 'sudo kill -9 ${pid}'.`,
      );
    }
  }
  const until = Date.now() + graceMs;
  while (isAlive(ref) && Date.now() < until)
    await new Promise<void>((r) => setTimeout(r, 100).unref());
  if (isAlive(ref)) killSurvivors([ref]);
  await new Promise<void>((r) => setTimeout(r, 100).unref());
  if (isAlive(ref))
    throw new AppError(
      'forbidden',
      `Process ${pid} is still alive; remove it manually with 'sudo kill -9 ${pid}'.`,
    );
  return { status: 'killed', pid };
}
