import { type Logger } from '../../shared/node/structured-log.js';
import { killSurvivors, snapshotTree } from './process-tree.js';
import type { Tracked } from './registry.js';
import { transition } from './status.js';

/** Stops the background parts of a deployment: monitor timer, log stream and wake proxy. */
export async function detach(t: Tracked, clearTimer: (h: unknown) => void): Promise<void> {
  if (t.monitorTimer !== null) clearTimer(t.monitorTimer);
  t.monitorTimer = null;
  t.logAbort?.abort();
  t.logAbort = null;
  const proxy = t.proxy;
  t.proxy = null;
  if (proxy) await proxy.close().catch(() => undefined);
}

/**
 * Removes a deployment's container: snapshot its process tree, stop with a grace period, remove,
 * then SIGKILL any process of the snapshot that survived (vLLM EngineCore workers can outlive
 * their container). Start times are compared so that a reused PID is never killed.
 */
export async function removeContainer(
  t: Tracked,
  graceSeconds: number,
  logger: Logger,
): Promise<void> {
  const id = t.entry.container_id;
  const runtime = t.runtime;
  if (!id || !runtime) return;
  const info = await runtime.inspect(id).catch(() => null);
  const snapshot = [...(info?.pid ? snapshotTree(info.pid) : []), ...t.tree];
  try {
    await runtime.stop(id, graceSeconds);
  } finally {
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
 * bookkeeping of a deployment that no longer runs.
 */
export function finish(
  t: Tracked,
  event: 'stopped' | 'expire' | 'failed',
  error: string | null = null,
): void {
  transition(t, event);
  t.entry.desired_state = 'stopped';
  t.entry.phase = null;
  t.entry.pause_tier = null;
  t.entry.paused_ram_mb = 0;
  t.entry.requests_running = null;
  t.entry.pull_progress = null;
  if (error !== null) t.entry.error = error;
  t.tree = [];
}
