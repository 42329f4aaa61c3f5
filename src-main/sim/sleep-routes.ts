import { errorBody, type Exchange, VllmError } from './http-io.js';
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

/**
 * A sleep on a server started without `--enable-sleep-mode`: the sleep allocator holds no pools,
 * so vLLM answers 200 having freed nothing, and the model keeps its GPU memory (the agent sees a
 * pause that bought nothing, not an error).
 */
async function sleepWithoutAllocator(ctx: SimContext, ex: Exchange): Promise<void> {
  await delay(ctx.options.sleepWakeMs);
  ctx.log.info(
    'EngineCore_DP0',
    'gpu_worker.py:116',
    'Sleep mode freed 0.00 GiB memory, 0.00 GiB memory is still in use.',
  );
  ex.empty();
}

const SLEEP_MODES = ['abort', 'wait', 'keep'] as const;
type SleepMode = (typeof SLEEP_MODES)[number];
/** What a sleep with requests in flight kills the 0.11 engine with (vLLM issue #45520). */
export const SLEEP_IN_FLIGHT_CAUSE =
  'RuntimeError: CUDA error: an illegal memory access was encountered';

/** Resolves once no request runs on the engine (checked every few milliseconds). */
async function drained(ctx: SimContext): Promise<void> {
  while (ctx.engine.runningCount > 0 && !ctx.dead) await delay(5);
}

/**
 * What happens to requests in flight before the engine sleeps, per line: current releases pause
 * the scheduler (later requests queue until the wake-up), then abort what runs (`mode=abort`,
 * the default) or let it finish (`wait`; `keep` is treated alike). Returns false for a bad mode.
 */
async function quiesce(ctx: SimContext, ex: Exchange): Promise<boolean> {
  if (!ctx.options.profile.sleepModes) return true;
  const raw = ex.query.get('mode') ?? 'abort';
  if (!(SLEEP_MODES as readonly string[]).includes(raw)) {
    ex.send(
      400,
      errorBody(
        new VllmError(
          400,
          'BadRequestError',
          `Invalid mode '${raw}'; expected one of abort, wait, keep.`,
        ),
        ctx.options.flatErrors,
      ),
    );
    return false;
  }
  const mode = raw as SleepMode;
  ctx.engine.pause();
  if (mode === 'abort') ctx.engine.abortAll();
  else await drained(ctx);
  return true;
}

/**
 * POST /sleep?level=1|2[&mode=…] (dev mode): 200 with an empty body once the engine is asleep.
 * The 0.11 line has no guard: with requests in flight it answers 200 and then the engine dies.
 */
export async function handleSleep(ctx: SimContext, ex: Exchange): Promise<void> {
  const raw = ex.query.get('level') ?? '1';
  if (!/^[-+]?\d+$/.test(raw.trim()))
    return internalError(ctx, ex, `ValueError: invalid literal for int() with base 10: '${raw}'`);
  if (!ctx.args.enableSleepMode) return sleepWithoutAllocator(ctx, ex);
  const level = Number.parseInt(raw, 10);
  if (level > ctx.options.maxSleepLevel)
    return internalError(ctx, ex, `RuntimeError: sleep level ${level} is not supported here`);
  const started = performance.now();
  if (!(await quiesce(ctx, ex))) return;
  const crashAfter =
    ctx.options.profile.sleepInFlight === 'crash-engine' && ctx.engine.inFlight > 0;
  ctx.sleep.busy = true;
  await delay(ctx.options.sleepWakeMs);
  ctx.sleep.busy = false;
  ctx.sleep.sleeping = true;
  ctx.sleep.level = level;
  ctx.metrics.sleepState = level === 1 ? 'weights_offloaded' : 'discard_all';
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
  // The running requests touch the memory just freed.
  if (crashAfter) ctx.crash(SLEEP_IN_FLIGHT_CAUSE);
}

/** POST /wake_up[?tags=weights&tags=kv_cache]: wakes the named parts, or everything. */
export async function handleWakeUp(ctx: SimContext, ex: Exchange): Promise<void> {
  if (!ctx.args.enableSleepMode) return ex.empty();
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
    ctx.metrics.sleepState = 'awake';
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
