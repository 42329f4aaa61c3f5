import type { Server } from 'node:http';
import { SimEngine } from './engine.js';
import { heldByVllm } from './port-sharing.js';
import { bindFailureLine, engineDeadLines } from './fault-lines.js';
import { buildRoutes, createSimServer, routeBanner, type SimRoute } from './server.js';
import type { ServePlan } from './serve-plan.js';
import type { SimContext } from './sim-context.js';
import type { SimLifecycle } from './sim-lifecycle.js';
import { printEntries } from './startup.js';
import { startStatsLogger } from './stats-logger.js';
import { VllmMetrics } from './vllm-metrics.js';

const CRASH_CAUSE = 'RuntimeError: CUDA error: unspecified launch failure';
const ENGINE_DEAD = 'EngineCore encountered an issue. See stack trace (above) for the root cause.';
/** How long /health answers 503 after an engine crash before the server goes, as vLLM's does. */
const DEAD_LINGER_MS = 300;

function newMetrics(plan: ServePlan): VllmMetrics {
  const { args, maxModelLen, sizing } = plan;
  return new VllmMetrics({
    modelName: args.servedModelNames[0] ?? args.model,
    maxModelLen,
    gpuMemoryUtilization: args.gpuMemoryUtilization,
    cacheDtype: args.kvCacheDtype,
    enablePrefixCaching: args.enablePrefixCaching,
    numGpuBlocks: sizing.numGpuBlocks,
    maxLoras: args.enableLora ? args.maxLoras : null,
    absentFamilies: plan.options.profile.absentMetrics,
  });
}

function newEngine(plan: ServePlan, metrics: VllmMetrics, life: SimLifecycle): SimEngine {
  const speed = {
    tokensPerS: plan.options.tokensPerS,
    ttftMs: plan.options.ttftMs,
    maxNumSeqs: plan.args.maxNumSeqs,
    kvCapacityTokens: Math.max(1, plan.sizing.kvTokens),
  };
  return new SimEngine(speed, metrics, () => life.statusChanged());
}

/** Kills the engine once: vLLM's dying lines, `dead` in the status file, then the server goes. */
function crashEngine(ctx: SimContext, life: SimLifecycle, cause: string): void {
  if (ctx.dead) return;
  ctx.dead = true;
  printEntries(ctx.log, engineDeadLines(cause));
  ctx.engine.kill(ENGINE_DEAD);
  life.setPhase('dead');
  setTimeout(() => life.exitAfterCrash(), DEAD_LINGER_MS);
}

/** The handlers' shared context around a fresh engine and metrics. */
function buildContext(plan: ServePlan, life: SimLifecycle): SimContext {
  const metrics = newMetrics(plan);
  const ctx: SimContext = {
    args: plan.args,
    options: plan.options,
    log: plan.log,
    metrics,
    engine: newEngine(plan, metrics, life),
    maxModelLen: plan.maxModelLen,
    weightsGib: plan.sizing.weightsGib,
    pooling: plan.pooling,
    loras: new Map(plan.args.loraModules.map((l) => [l.name, l])),
    sleep: { sleeping: false, level: 0, asleepTags: new Set(), busy: false },
    dead: false,
    crash: (cause) => crashEngine(ctx, life, cause),
    stateChanged: () => life.writeStatus(),
  };
  return ctx;
}

/** Resolves null once listening, or with the error that stopped it. */
function listen(server: Server, port: number, host: string): Promise<Error | null> {
  return new Promise<Error | null>((resolve) => {
    server.once('error', resolve);
    server.listen(port, host, () => resolve(null));
  });
}

function boundPort(server: Server, fallback: number): number {
  const address = server.address();
  return address !== null && typeof address === 'object' ? address.port : fallback;
}

/** vLLM's lines once it serves: the address, the route banner and uvicorn's start-up. */
function announce(
  { log, host, options }: ServePlan,
  port: number,
  routes: readonly SimRoute[],
): void {
  log.info('APIServer', 'api_server.py:1912', options.profile.serverStartLine(host, port));
  log.info('APIServer', 'launcher.py:34', 'Available routes are:');
  for (const line of routeBanner(routes)) log.info('APIServer', 'launcher.py:42', line);
  log.uvicorn(`Started server process [${process.pid}]`);
  log.uvicorn('Waiting for application startup.');
  log.uvicorn('Application startup complete.');
}

/** `fault/crash-after-ready`: the engine dies AERIE_SIM_CRASH_AFTER_S after ready. Returns a disarm. */
function armCrashAfterReady(plan: ServePlan, ctx: SimContext): () => void {
  if (plan.fault !== 'crash-after-ready') return () => undefined;
  const timer = setTimeout(() => ctx.crash(CRASH_CAUSE), plan.options.crashAfterS * 1000);
  return () => clearTimeout(timer);
}

/** Uvicorn's shutdown: stop the background timers, drop every connection, close. */
async function stopServer(server: Server, ctx: SimContext, timers: (() => void)[]): Promise<void> {
  for (const stop of timers) stop();
  ctx.log.uvicorn('Shutting down');
  // A server sharing its port never listened; its close reports that, and is done all the same.
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeAllConnections();
  await closed;
  ctx.log.uvicorn('Waiting for application shutdown.');
  ctx.log.uvicorn('Application shutdown complete.');
}

/**
 * The serving part of a run, once the model is loaded: builds the engine and its context, listens
 * (a bind failure ends the run with 1), prints the ready lines and moves to `ready`. From then on
 * a signal or an engine crash closes the server through `life`.
 */
export async function serveHttp(plan: ServePlan, life: SimLifecycle): Promise<void> {
  const ctx = buildContext(plan, life);
  life.context = ctx;
  const routes = buildRoutes(plan.options);
  const server = createSimServer(ctx, routes);
  const failure = await listen(server, life.port, plan.host);
  const shared =
    failure !== null &&
    (failure as NodeJS.ErrnoException).code === 'EADDRINUSE' &&
    (await heldByVllm(plan.host, life.port));
  if (failure !== null && !shared) {
    plan.log.raw('stderr', bindFailureLine(failure));
    life.end(1);
    return;
  }
  // Sharing the port with another vLLM: started, but (unlike the kernel) no connection comes here.
  if (!shared) life.port = boundPort(server, life.port);
  const stopStats = plan.args.disableLogStats ? () => undefined : startStatsLogger(ctx);
  announce(plan, life.port, routes);
  life.setPhase('ready');
  const disarmCrash = armCrashAfterReady(plan, ctx);
  // Without a socket of its own, a sharing server needs something to keep the process alive.
  const keepAlive = shared ? setInterval(() => undefined, 1 << 30) : null;
  const stopKeepAlive = () => {
    if (keepAlive !== null) clearInterval(keepAlive);
  };
  life.serving(() => stopServer(server, ctx, [stopStats, disarmCrash, stopKeepAlive]));
}
