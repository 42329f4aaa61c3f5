import type { Exchange } from './http-io.js';
import type { SimContext } from './sim-context.js';
import { holdSleepHostRam, releaseSleepHostRam } from './sleep-host-ram.js';

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const SLEEP_TAGS = ['weights', 'kv_cache'] as const;

/** An unhandled engine exception: FastAPI answers 500 with a plain-text body. */
function internalError(ctx: SimContext, ex: Exchange, error: string): void {
  ctx.log.uvicorn('Exception in ASGI application', 'ERROR');
  ctx.log.raw(
    'stderr',
    `Traceback (most recent call last):\n  File "/usr/local/lib/python3.12/dist-packages/vllm/v1/engine/core.py", line 365, in sleep\n${error}`,
  );
  ex.send(500, 'Internal Server Error', 'text/plain; charset=utf-8');
}

const NOT_ENABLED = 'AssertionError: Sleep mode is not enabled in the model config';

/** POST /sleep?level=1|2 (dev mode): 200 with an empty body once the engine is asleep. */
export async function handleSleep(ctx: SimContext, ex: Exchange): Promise<void> {
  const raw = ex.query.get('level') ?? '1';
  if (!/^[-+]?\d+$/.test(raw.trim()))
    return internalError(ctx, ex, `ValueError: invalid literal for int() with base 10: '${raw}'`);
  if (!ctx.args.enableSleepMode) return internalError(ctx, ex, NOT_ENABLED);
  const level = Number.parseInt(raw, 10);
  if (level > ctx.options.maxSleepLevel)
    return internalError(ctx, ex, `RuntimeError: sleep level ${level} is not supported here`);
  const started = performance.now();
  ctx.sleep.busy = true;
  await delay(ctx.options.sleepWakeMs);
  ctx.sleep.busy = false;
  ctx.sleep.sleeping = true;
  ctx.sleep.level = level;
  for (const t of SLEEP_TAGS) ctx.sleep.asleepTags.add(t);
  // Level 1 offloads the weights to host RAM; level 2 discards them, also the copy a level-1
  // sleep had offloaded (an engine moved from RAM to disk frees that host RAM).
  if (level === 1) holdSleepHostRam(ctx);
  else releaseSleepHostRam(ctx);
  if (ctx.options.asleep === 'hang') ctx.engine.pause();
  const secs = ((performance.now() - started) / 1000).toFixed(2);
  const freed = (ctx.options.gpuMemGib * ctx.args.gpuMemoryUtilization - 0.4).toFixed(2);
  ctx.log.info(
    'EngineCore_DP0',
    'gpu_worker.py:116',
    `Sleep mode freed ${freed} GiB memory, 0.40 GiB memory is still in use.`,
  );
  ctx.log.info('EngineCore_DP0', 'executor_base.py:189', `It took ${secs} seconds to fall asleep.`);
  ctx.stateChanged();
  ex.empty();
}

/** POST /wake_up[?tags=weights&tags=kv_cache]: wakes the named parts, or everything. */
export async function handleWakeUp(ctx: SimContext, ex: Exchange): Promise<void> {
  if (!ctx.args.enableSleepMode) return internalError(ctx, ex, NOT_ENABLED);
  const tags = ex.query.getAll('tags');
  ctx.log.info(
    'APIServer',
    'api_server.py:1030',
    `wake up the engine with tags: ${tags.length === 0 ? 'None' : `[${tags.map((t) => `'${t}'`).join(', ')}]`}`,
  );
  const started = performance.now();
  ctx.sleep.busy = true;
  await delay(ctx.options.sleepWakeMs);
  ctx.sleep.busy = false;
  for (const t of tags.length === 0 ? SLEEP_TAGS : tags) ctx.sleep.asleepTags.delete(t);
  if (!ctx.sleep.asleepTags.has('weights')) releaseSleepHostRam(ctx);
  if (ctx.sleep.sleeping && ctx.sleep.asleepTags.size === 0) {
    ctx.sleep.sleeping = false;
    ctx.engine.resume();
  }
  const secs = ((performance.now() - started) / 1000).toFixed(2);
  ctx.log.info(
    'EngineCore_DP0',
    'executor_base.py:205',
    `It took ${secs} seconds to wake up tags ${tags.length === 0 ? "{'weights', 'kv_cache'}" : `{${tags.map((t) => `'${t}'`).join(', ')}}`}.`,
  );
  ctx.stateChanged();
  ex.empty();
}

/** GET /is_sleeping. */
export function handleIsSleeping(ctx: SimContext, ex: Exchange): void {
  ex.json(200, { is_sleeping: ctx.sleep.sleeping });
}

/** POST /reset_prefix_cache. */
export function handleResetPrefixCache(ctx: SimContext, ex: Exchange): void {
  ctx.log.info(
    'APIServer',
    'api_server.py:1005',
    'Resetting prefix cache with specified device: None',
  );
  ex.empty();
}

/** POST /collective_rpc: the only method the sim knows is `reload_weights` (after a level-2 sleep). */
export function handleCollectiveRpc(ctx: SimContext, ex: Exchange, body: unknown): void {
  const method = (body as { method?: unknown } | null)?.method;
  if (typeof method !== 'string') {
    ex.send(
      400,
      JSON.stringify({
        error: {
          message: 'Missing `method` in request body',
          type: 'BadRequestError',
          param: null,
          code: 400,
        },
      }),
    );
    return;
  }
  ctx.log.info('EngineCore_DP0', 'core.py:391', `collective_rpc ${method}`);
  ex.json(200, { results: new Array<null>(ctx.args.tensorParallelSize).fill(null) });
}
