import { estimatePausedRamMb } from '../../shared/warm-plan.js';
import type { EngineContext } from './engine-context.js';
import { type StatusEntry } from '../../shared/agent-protocol/deployments.js';
import { MANAGED_LABEL, parseDeploymentLabels, type ParsedLabels } from './labels.js';
import type { Tracked } from './registry.js';
import { entryFromManifest, newTracked } from './tracked-factory.js';
import { isSleeping } from './vllm-client.js';
import { lastPhase } from './phase-markers.js';
import { LOG_TAIL_LINES } from '../logs/log-store.js';
import type { ContainerInfo, ContainerRuntime } from '../runtime/container-runtime.js';

function entryFrom(
  ctx: EngineContext,
  p: ParsedLabels,
  c: ContainerInfo,
  tier: 'ram' | 'disk' | null,
): StatusEntry {
  const saved = ctx.state.get().expires;
  return entryFromManifest(p.key, p.port, p.manifest, {
    // An adopted deployment starts over as loading (the monitor finds it ready), or as the
    // paused deployment it was, in the tier it was paused to.
    status: tier === 'disk' ? 'paused_disk' : tier === 'ram' ? 'paused_ram' : 'loading',
    phase: null,
    vllm_version: p.version || null,
    image: c.image || null,
    image_digest: c.imageId,
    container_id: c.id,
    container_runtime: c.runtime,
    // A deadline granted or started after launch lives in the state file; the label has the estimate.
    expires_at: p.key in saved ? (saved[p.key] ?? null) : p.manifest.expires_at,
  });
}

async function adoptOne(
  ctx: EngineContext,
  runtime: ContainerRuntime,
  c: ContainerInfo,
  watch: (t: Tracked) => Promise<void>,
): Promise<string | null> {
  if (c.state === 'exited' || c.state === 'dead') return null;
  const parsed = parseDeploymentLabels(c.labels);
  if (!parsed || ctx.registry.isActive(parsed.key)) return null;
  const m = parsed.manifest;
  const asleep = m.warm && m.internal_port !== null && (await isSleeping(m.internal_port)) === true;
  // vLLM does not say its sleep level; the state file does (RAM when it predates tiers).
  const tier = asleep ? (ctx.state.tierOf(parsed.key) ?? 'ram') : null;
  const entry = entryFrom(ctx, parsed, c, tier);
  const pinned = ctx.state.pinOf(entry.key);
  if (pinned !== undefined) {
    entry.pinned = pinned;
    entry.launch_manifest.pinned = pinned;
  }
  const t = newTracked(entry, ctx.state.envFor(parsed.key), runtime);
  t.seenRestarts = c.restartCount;
  t.hostPid = c.pid;
  // A run that was ready once keeps restarting after crashes instead of meeting the breaker; a
  // stored lease (state files written before readiness was recorded) implies readiness too.
  if (ctx.state.wasReady(entry.key) || entry.key in ctx.state.get().expires) t.everReady = true;
  if (tier !== null) {
    entry.pause_tier = tier;
    entry.paused_ram_mb =
      tier === 'ram'
        ? estimatePausedRamMb(entry.gpu_ids, entry.gpu_memory_fraction, await ctx.deps.gpus.list())
        : 0;
    t.everReady = true;
  } else ctx.state.setTier(parsed.key, null);
  ctx.registry.set(t);
  t.log = ctx.deps.logs.open(entry.key, entry.model_name, entry.port, runtime.name, false);
  // A deployment adopted mid-load says where it was; the monitor moves it on from there.
  if (entry.status === 'loading') entry.phase = lastPhase(t.log.tail(LOG_TAIL_LINES));
  t.log.setSecretEnv(t.env);
  t.log.addSecrets(ctx.state.argSecretsOf(entry.key));
  ctx.agentLine(t, 'Agent restarted; deployment adopted.');
  await watch(t);
  return entry.key;
}

/**
 * Rebuilds the deployments that survived an agent restart (behaviour.md §2.14): every live managed
 * container of every available runtime, from its labels plus the state file (env values, leases).
 * Keys already tracked are skipped, so running it twice never duplicates a deployment.
 */
export async function adoptAll(
  ctx: EngineContext,
  watch: (t: Tracked) => Promise<void>,
): Promise<string[]> {
  const adopted: string[] = [];
  for (const runtime of await ctx.deps.runtimes.all().catch(() => [])) {
    let containers: ContainerInfo[];
    try {
      containers = await runtime.list([`${MANAGED_LABEL}=true`]);
    } catch (err) {
      ctx.deps.logger.warn('cannot list managed containers', { runtime: runtime.name, err });
      continue;
    }
    for (const c of containers) {
      try {
        const key = await adoptOne(ctx, runtime, c, watch);
        if (key) adopted.push(key);
      } catch (err) {
        ctx.deps.logger.warn('adoption failed', { container: c.id, err });
      }
    }
  }
  return adopted;
}
