import type { ContainerInfo } from '../runtime/container-runtime.js';
import type { EngineContext } from './engine-context.js';
import { FINISHED, QUIET } from '../../shared/deployment-status.js';
import { describeFailure } from './failure.js';
import { CLASSIFY_WINDOW, type Tracked } from './registry.js';
import { detach, finish, removeContainer } from './stopper.js';
import { transition } from './status.js';
import { scrapeUsage } from './usage-scraper.js';
import { probeReady } from './vllm-client.js';

/** Schedules the next monitor tick of `t` (every `monitorMs`; reference: 2 s). */
export function scheduleMonitor(ctx: EngineContext, t: Tracked): void {
  if (ctx.closed || t.stopRequested || FINISHED.has(t.entry.status)) return;
  t.monitorTimer = ctx.deps.clock.setTimeout(() => {
    t.monitorTimer = null;
    monitorTick(ctx, t)
      .catch((err: unknown) =>
        ctx.deps.logger.warn('monitor tick failed', { key: t.entry.key, err }),
      )
      .finally(() => scheduleMonitor(ctx, t));
  }, ctx.deps.timings.monitorMs);
}

/** The crash-loop threshold of a deployment: its own setting if > 0, else the agent default. */
function breakerThreshold(ctx: EngineContext, t: Tracked): number {
  const own = t.entry.max_failed_restarts;
  return own !== null && own > 0 ? own : ctx.deps.maxFailedRestarts;
}

/** Ends a deployment from the monitor (expiry, breaker, vanished): status first, cleanup after. */
async function end(
  ctx: EngineContext,
  t: Tracked,
  event: 'expire' | 'failed' | 'stopped',
  error: string | null,
  remove: boolean,
): Promise<void> {
  t.stopRequested = true;
  finish(t, event, ctx.deps.clock.now(), error);
  // A container being removed keeps its log stream until it is gone (removeContainer drains it).
  await detach(t, (h) => ctx.deps.clock.clearTimeout(h), { keepLog: remove });
  if (remove) {
    await removeContainer(t, ctx.deps.timings.stopGraceSeconds, ctx.deps.logger).catch(
      () => undefined,
    );
    ctx.forgetSimState(t.entry.key);
  }
  t.entry.container_id = null;
  t.log?.flush();
  ctx.state.forget(t.entry.key);
}

/** One pass over one deployment (behaviour.md §2.4, §2.10). */
export async function monitorTick(ctx: EngineContext, t: Tracked): Promise<void> {
  const e = t.entry;
  const id = e.container_id;
  if (!id || !t.runtime || t.stopRequested || FINISHED.has(e.status)) return;
  let info: ContainerInfo | null;
  try {
    info = await t.runtime.inspect(id);
  } catch {
    return; // The runtime did not answer this time; nothing is concluded from silence.
  }
  if (t.stopRequested) return;
  t.hostPid = info?.pid ?? null;
  if (info === null) {
    ctx.agentLine(t, 'Container vanished without a stop request.');
    await end(
      ctx,
      t,
      'failed',
      `Container for ${e.key} disappeared without a stop request.`,
      false,
    );
    return;
  }
  const now = ctx.deps.clock.now();
  if (e.expires_at !== null && Date.parse(e.expires_at) <= now) {
    ctx.agentLine(t, 'Serve duration reached — stopping deployment.');
    t.entry.stop_reason = 'Serve duration reached.';
    await end(ctx, t, 'expire', null, true);
    return;
  }
  if (info.restartCount > t.seenRestarts) {
    t.seenRestarts = info.restartCount;
    await onRestart(ctx, t, info);
    if (!t.everReady && info.restartCount >= breakerThreshold(ctx, t)) {
      const cause = e.error ?? 'The server kept exiting';
      ctx.agentLine(
        t,
        `Stopping after ${info.restartCount} failed starts without becoming ready; the container is removed (the image stays cached).`,
      );
      await end(
        ctx,
        t,
        'failed',
        `${cause} (Stopped after ${info.restartCount} failed starts without becoming ready.)`,
        true,
      );
    }
    return;
  }
  if (info.state === 'exited' || info.state === 'dead') {
    if (e.status !== 'error' || e.exit_code !== info.exitCode) await onExit(ctx, t, info);
    return;
  }
  if (QUIET.has(e.status) || info.state !== 'running') return;
  if (e.status !== 'running') {
    if (await probeReady(e.internal_port ?? e.port)) markReady(ctx, t);
    return;
  }
  if (now - t.lastScrapeAt >= ctx.deps.timings.scrapeMs) {
    t.lastScrapeAt = now;
    await scrapeUsage(t, now);
  }
}

function markReady(ctx: EngineContext, t: Tracked): void {
  const e = t.entry;
  if (!transition(t, 'ready')) return;
  e.phase = 'ready';
  e.error = null;
  e.error_code = null;
  e.exit_code = null;
  e.pull_progress = null;
  if (!t.everReady && e.duration_seconds !== null && !(e.key in ctx.state.get().expires)) {
    // The lease counts from readiness, not from launch: load time is not charged to the user.
    const expires = new Date(ctx.deps.clock.now() + e.duration_seconds * 1000).toISOString();
    e.expires_at = expires;
    // Remembered so that an agent restart does not restart the lease.
    ctx.state.update((s) => {
      s.expires[e.key] = expires;
    });
  }
  if (!t.everReady) ctx.state.markReady(e.key);
  t.everReady = true;
  t.lastScrapeAt = 0;
  ctx.deps.logger.info('deployment ready', { key: e.key });
}

async function onRestart(ctx: EngineContext, t: Tracked, info: ContainerInfo): Promise<void> {
  const e = t.entry;
  const code = info.exitCode ?? e.exit_code;
  ctx.agentLine(
    t,
    `Container restarted (exit code ${code ?? 'unknown'}); the runtime is retrying.`,
  );
  await applyFailure(ctx, t, code);
}

async function onExit(ctx: EngineContext, t: Tracked, info: ContainerInfo): Promise<void> {
  ctx.agentLine(t, `Container exited (exit code ${info.exitCode ?? 'unknown'}).`);
  await applyFailure(ctx, t, info.exitCode);
}

/**
 * The last lines of the container's own log: the streamed copy may lag behind a fast crash, and
 * the cause is usually in the very last lines.
 */
async function recentLines(t: Tracked): Promise<readonly string[]> {
  const id = t.entry.container_id;
  if (!id || !t.runtime) return t.recent;
  const out: string[] = [];
  try {
    for await (const l of t.runtime.logs(id, { follow: false, tail: CLASSIFY_WINDOW }))
      out.push(l.text);
  } catch {
    return t.recent;
  }
  return out.length > 0 ? out.slice(-CLASSIFY_WINDOW) : t.recent;
}

async function applyFailure(
  ctx: EngineContext,
  t: Tracked,
  exitCode: number | null,
): Promise<void> {
  const e = t.entry;
  const f = describeFailure(await recentLines(t), exitCode, t.entry.vllm_version);
  if (!transition(t, 'failed')) return;
  e.exit_code = exitCode;
  e.error = f.message;
  e.error_code = f.code;
  if (f.code) ctx.agentLine(t, `Probable cause: ${f.message}`);
}
