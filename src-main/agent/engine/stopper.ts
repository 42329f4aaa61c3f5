import { rm } from 'node:fs/promises';
import { FINISHED } from '../../shared/deployment-status.js';
import { type Logger } from '../../shared/node/structured-log.js';
import { compileCacheDir } from '../data-dir.js';
import type { EngineContext } from './engine-context.js';
import { killSurvivors, snapshotTree } from './process-tree.js';
import type { Tracked } from './registry.js';
import { transition } from './status.js';

/** How long a stop waits for the log stream to end after the container did. */
const LOG_DRAIN_MS = 5000;

/**
 * Stops the background parts of a deployment: monitor timer, wake proxy and, unless `keepLog`
 * (a stop that removes the container drains it instead, see `removeContainer`), the log stream.
 */
export async function detach(
  t: Tracked,
  clearTimer: (h: unknown) => void,
  opts: { keepLog?: boolean } = {},
): Promise<void> {
  if (t.monitorTimer !== null) clearTimer(t.monitorTimer);
  t.monitorTimer = null;
  if (!opts.keepLog) endLogStream(t);
  const proxy = t.proxy;
  t.proxy = null;
  if (proxy) await proxy.close().catch(() => undefined);
}

/**
 * Removes a deployment's container: snapshot its process tree, stop with a grace period, let the
 * log stream read what the container printed until its end, remove, then SIGKILL any process of
 * the snapshot that survived (vLLM EngineCore workers can outlive their container). Start times
 * are compared so that a reused PID is never killed.
 */
export async function removeContainer(
  t: Tracked,
  graceSeconds: number,
  logger: Logger,
): Promise<void> {
  const id = t.entry.container_id;
  const runtime = t.runtime;
  if (!id || !runtime) {
    endLogStream(t);
    return;
  }
  const info = await runtime.inspect(id).catch(() => null);
  const snapshot = [...(info?.pid ? snapshotTree(info.pid) : []), ...t.tree];
  try {
    await runtime.stop(id, graceSeconds);
  } finally {
    await drainLog(t);
    await runtime
      .remove(id)
      .catch((err: unknown) => logger.warn('container remove failed', { key: t.entry.key, err }));
    const killed = killSurvivors(snapshot);
    if (killed.length > 0)
      logger.warn('killed processes that outlived their container', {
        key: t.entry.key,
        pids: killed,
      });
  }
}

/**
 * Ends a deployment: `event` (stopped, expire or failed) through the state machine, then the
 * bookkeeping of a deployment that no longer runs. `now` (engine clock, ms) stamps when a
 * stopped or expired entry ended, which is when its retention in the status list starts.
 */
export function finish(
  t: Tracked,
  event: 'stopped' | 'expire' | 'failed',
  now: number,
  error: string | null = null,
): void {
  transition(t, event);
  if (FINISHED.has(t.entry.status)) t.finishedAt = now;
  t.entry.desired_state = 'stopped';
  t.entry.phase = null;
  t.entry.pause_tier = null;
  t.entry.paused_ram_mb = 0;
  t.entry.requests_running = null;
  t.entry.pull_progress = null;
  if (error !== null) t.entry.error = error;
  t.tree = [];
}

function endLogStream(t: Tracked): void {
  t.logAbort?.abort();
  t.logAbort = null;
  t.logPump = null;
}

/**
 * Lets the log pump read to the end of a stopped container's stream (what it printed while
 * shutting down), for at most LOG_DRAIN_MS, then ends the stream. Never throws.
 */
async function drainLog(t: Tracked): Promise<void> {
  const pump = t.logPump;
  if (pump) {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((r) => {
      timer = setTimeout(r, LOG_DRAIN_MS);
      timer.unref();
    });
    await Promise.race([pump.catch(() => undefined), bound]);
    clearTimeout(timer);
  }
  endLogStream(t);
}

/**
 * The work of a stop (the status is already `stopping`): background parts off, container removed
 * with its log drained, its simulator state and compile cache gone, then `stopped` and the state
 * file and log forgotten (the log files stay readable). Throws when the runtime cannot stop it.
 */
export async function stopDeployment(ctx: EngineContext, t: Tracked): Promise<void> {
  const key = t.entry.key;
  // The log keeps following until the container is gone, so vLLM's shutdown lines are kept.
  await detach(t, (h) => ctx.deps.clock.clearTimeout(h), { keepLog: true });
  await removeContainer(t, ctx.deps.timings.stopGraceSeconds, ctx.deps.logger);
  ctx.forgetSimState(key);
  // A stopped deployment's compile cache would otherwise show up as an orphaned warm artifact.
  if (t.entry.warm)
    await rm(compileCacheDir(ctx.deps.dataDir, key), { recursive: true, force: true }).catch(
      () => undefined,
    );
  finish(t, 'stopped', ctx.deps.clock.now());
  t.entry.container_id = null;
  ctx.agentLine(t, 'Deployment stopped.');
  t.log?.flush();
  ctx.state.forget(key);
  ctx.deps.logs.close(key);
}
