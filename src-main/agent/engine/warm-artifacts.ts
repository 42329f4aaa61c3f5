import { readFileSync, readdirSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { compileCacheName, compileCacheRoot } from '../data-dir.js';
import { toMb } from '../files/file-deps.js';
import { exists, treeSize } from '../files/tree-size.js';
import { AppError } from '../../shared/errors.js';
import type { EngineContext } from './engine-context.js';
import { describeProcess } from './process-tree.js';
import { VLLM_PROCESS, killOrphanProcess, trackedPids } from './rogue.js';
import type { DiskCache, WarmArtifacts } from '../../shared/agent-protocol/housekeeping.js';

/** A level-1 sleeper keeps its weights in host RAM; smaller vLLM processes are not worth listing. */
export const SLEEPER_MIN_RSS_MB = 1024;
const CACHE_NAME = /^[0-9a-fA-F]{16}$/;

/** Cache directory name → key of the live deployment that owns it. */
function trackedCaches(ctx: EngineContext): Map<string, string> {
  return new Map(ctx.registry.active().map((t) => [compileCacheName(t.entry.key), t.entry.key]));
}

/** Resident set size of `pid` in MiB (VmRSS), null when it is gone or has no memory (kernel thread). */
function rssMb(pid: number): number | null {
  try {
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}

interface VllmProcess {
  pid: number;
  process_name: string;
  rssMb: number;
  key: string | null;
}

/** Every vLLM process of the host (not this agent) with its RSS and the deployment tracking it. */
async function vllmProcesses(ctx: EngineContext): Promise<VllmProcess[]> {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
  } catch {
    return [];
  }
  const tracked = await trackedPids(ctx);
  const out: VllmProcess[] = [];
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const d = describeProcess(pid);
    if (!VLLM_PROCESS.test(d.name) && !VLLM_PROCESS.test(d.cmdline)) continue;
    const rss = rssMb(pid);
    if (rss === null) continue;
    // `node …/aerie vllm-sim` is named `node`; its command line says what it is.
    const name = VLLM_PROCESS.test(d.name) ? d.name : d.cmdline.slice(0, 160);
    out.push({ pid, process_name: name, rssMb: rss, key: tracked.get(pid) ?? null });
  }
  return out;
}

async function orphanedCaches(ctx: EngineContext, withSizes: boolean): Promise<DiskCache[]> {
  const root = compileCacheRoot(ctx.deps.dataDir);
  const tracked = trackedCaches(ctx);
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return []; // No warm deployment ever ran here.
  }
  const out: DiskCache[] = [];
  // Only names the agent could have made: anything else was not put there by a deployment.
  for (const e of entries) {
    if (!e.isDirectory() || !CACHE_NAME.test(e.name) || tracked.has(e.name)) continue;
    const path = join(root, e.name);
    out.push({ name: e.name, path, size_mb: withSizes ? toMb(await treeSize(path)) : 0 });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Orphaned warm-cache artifacts: untracked vLLM processes with ≥ 1 GiB RSS and untracked compile caches. */
export async function listWarmArtifacts(
  ctx: EngineContext,
  opts: { sizes?: boolean } = {},
): Promise<WarmArtifacts> {
  const procs = await vllmProcesses(ctx);
  return {
    ram_sleepers: procs
      .filter((p) => p.key === null && p.rssMb >= SLEEPER_MIN_RSS_MB)
      .map((p) => ({
        pid: p.pid,
        process_name: p.process_name,
        rss_mb: Math.round(p.rssMb * 10) / 10,
      })),
    disk_caches: await orphanedCaches(ctx, opts.sizes ?? true),
  };
}

/**
 * Kills an orphaned vLLM RAM sleeper like an orphaned GPU process: 409 when a deployment tracks it,
 * 404 when it is gone, not vLLM, or too small to be listed (only what the list offers is killed).
 */
export function killRamSleeper(
  ctx: EngineContext,
  pid: number,
  graceMs = 10_000,
): Promise<{ status: 'killed'; pid: number }> {
  const find = async () => {
    const p = (await vllmProcesses(ctx)).find((x) => x.pid === pid);
    if (!p || (p.key === null && p.rssMb < SLEEPER_MIN_RSS_MB)) return null;
    return { tracked: p.key !== null, key: p.key };
  };
  return killOrphanProcess(
    pid,
    find,
    `a vLLM process holding ${SLEEPER_MIN_RSS_MB} MB or more of RAM`,
    graceMs,
  );
}

/** Deletes an orphaned compile cache: 400 bad name, 409 a live deployment's, 404 unknown; 500 if it survives. */
export async function deleteCompileCache(
  ctx: EngineContext,
  name: string,
): Promise<{ status: 'deleted'; name: string }> {
  if (!CACHE_NAME.test(name)) {
    throw new AppError(
      'bad_request',
      `Cache name '${name}' is invalid: it must be 16 hex characters (the directory name under .vllm_compile).`,
    );
  }
  const owner = trackedCaches(ctx).get(name);
  if (owner !== undefined)
    throw new AppError(
      'conflict',
      `Compile cache ${name} belongs to deployment ${owner}; stop the deployment first.`,
    );
  const path = join(compileCacheRoot(ctx.deps.dataDir), name);
  if (!(await exists(path))) throw new AppError('not_found', `Compile cache ${name} not found.`);
  await rm(path, { recursive: true, force: true }).catch(() => undefined);
  if (await exists(path)) {
    throw new AppError(
      'internal',
      `Could not remove ${path}: some files are not deletable by the agent (owned by root?). Remove it manually.`,
    );
  }
  return { status: 'deleted', name };
}
