import { connect } from 'node:net';
import { SimEngine } from './engine.js';
import { engineDeadLines, faultOf } from './fault-lines.js';
import { buildRoutes, createSimServer, routeBanner } from './server.js';
import { parseServeArgs, SERVE_USAGE, type ServeArgs } from './serve-args.js';
import type { SimContext } from './sim-context.js';
import { readSimOptions } from './sim-options.js';
import { type LoadPhase, printEntries, runStartup, sizeModel } from './startup.js';
import { StateFile } from './state-file.js';
import { startStatsLogger } from './stats-logger.js';
import { type LogStreams, processStreams, VllmLog } from './vllm-log.js';
import { VllmMetrics } from './vllm-metrics.js';

const HELP = `${SERVE_USAGE}

Start the simulated vLLM OpenAI-compatible server (aerie vllm-sim). Accepts the vllm serve
command line; speed and faults come from AERIE_SIM_* environment variables and reserved model
names (fault/gpu-oom, fault/kv-cache, fault/gated, fault/not-found, fault/no-gpu,
fault/crash-after-ready, fault/hang-loading).
`;

const EMBEDDING_NAME = /embed|bge|(^|[/-])e5-|gte-|minilm|nomic/i;
const DEFAULT_MAX_MODEL_LEN = 32_768;
const CRASH_CAUSE = 'RuntimeError: CUDA error: unspecified launch failure';

/** Resolves true when something accepts TCP connections on host:port (vLLM binds first and fails early). */
function portTaken(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: host === '0.0.0.0' || host === '' ? '127.0.0.1' : host, port });
    const done = (taken: boolean) => {
      sock.destroy();
      resolve(taken);
    };
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.setTimeout(500, () => done(false));
  });
}

/**
 * `aerie vllm-sim <vllm serve args>`: a faithful stand-in for vLLM's OpenAI server. Resolves with
 * the process exit code: 2 for bad arguments, 1 for a start-up fault or an engine crash, 0 after
 * SIGTERM/SIGINT.
 */
export async function runVllmSim(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  streams: LogStreams = processStreams,
): Promise<number> {
  const parsed = parseServeArgs(argv);
  if (parsed.kind === 'help') {
    streams.write('stdout', HELP);
    return 0;
  }
  if (parsed.kind === 'error') {
    streams.write('stderr', `${SERVE_USAGE}\nvllm serve: error: ${parsed.message}\n`);
    return 2;
  }
  const { options, problems } = readSimOptions(env);
  if (problems.length > 0) {
    streams.write(
      'stderr',
      `aerie vllm-sim: invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    return 2;
  }
  return serve(parsed.args, options, streams);
}

async function serve(
  args: ServeArgs,
  options: ReturnType<typeof readSimOptions>['options'],
  streams: LogStreams,
): Promise<number> {
  const log = new VllmLog(streams, process.pid, !args.disableAccessLog);
  const host = args.host ?? '0.0.0.0';
  const fault = faultOf(args.model);
  const sizing = sizeModel(args, options.gpuMemGib);
  const maxModelLen = args.maxModelLen ?? DEFAULT_MAX_MODEL_LEN;
  const pooling =
    args.runner === 'pooling' || (args.runner === null && EMBEDDING_NAME.test(args.model));
  let phase: LoadPhase | 'dead' = 'downloading';
  let port = args.port;
  let ctx: SimContext | null = null;
  const state = new StateFile(options.stateFile, () => ({
    pid: process.pid,
    port,
    model: args.model,
    served_model_name: args.servedModelNames[0] ?? args.model,
    phase,
    sleeping: ctx?.sleep.sleeping ?? false,
    sleep_level: ctx?.sleep.sleeping ? ctx.sleep.level : null,
    gpu_memory_utilization: args.gpuMemoryUtilization,
    tensor_parallel_size: args.tensorParallelSize,
    running_requests: ctx?.engine.runningCount ?? 0,
    waiting_requests: ctx?.engine.waitingCount ?? 0,
    updated_at: new Date().toISOString(),
  }));

  let finish: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (finish = resolve));
  let stopping = false;
  const end = (code: number) => {
    if (stopping) return;
    stopping = true;
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    state.remove();
    log.flush();
    finish(code);
  };
  let stopServing: (() => Promise<void>) | null = null;
  const onSignal = () => {
    if (stopServing === null) {
      end(0);
      return;
    }
    void stopServing().then(() => end(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  if (port !== 0 && (await portTaken(host, port))) {
    log.raw('stderr', 'OSError: [Errno 98] Address already in use');
    end(1);
    return exited;
  }
  state.writeNow();
  const timers = new Set<NodeJS.Timeout>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  const setPhase = (p: LoadPhase) => {
    phase = p;
    state.writeNow();
  };
  const started = runStartup({
    args,
    options,
    log,
    fault,
    sizing,
    maxModelLen,
    pooling,
    setPhase,
    wait,
  });
  const ok = await Promise.race([started, exited.then(() => null)]);
  if (ok !== true) {
    for (const t of timers) clearTimeout(t);
    end(1);
    return exited;
  }

  const metrics = new VllmMetrics({
    modelName: args.servedModelNames[0] ?? args.model,
    maxModelLen,
    gpuMemoryUtilization: args.gpuMemoryUtilization,
    cacheDtype: args.kvCacheDtype,
    enablePrefixCaching: args.enablePrefixCaching,
    numGpuBlocks: sizing.numGpuBlocks,
    maxLoras: args.enableLora ? args.maxLoras : null,
  });
  const engine = new SimEngine(
    {
      tokensPerS: options.tokensPerS,
      ttftMs: options.ttftMs,
      maxNumSeqs: args.maxNumSeqs,
      kvCapacityTokens: Math.max(1, sizing.kvTokens),
    },
    metrics,
    () => state.changed(),
  );
  const context: SimContext = {
    args,
    options,
    log,
    metrics,
    engine,
    maxModelLen,
    pooling,
    loras: new Map(args.loraModules.map((l) => [l.name, l])),
    sleep: { sleeping: false, level: 0, asleepTags: new Set(), busy: false },
    dead: false,
    crash: (cause) => {
      if (context.dead) return;
      context.dead = true;
      phase = 'dead';
      printEntries(log, engineDeadLines(cause));
      engine.kill('EngineCore encountered an issue. See stack trace (above) for the root cause.');
      state.writeNow();
      // /health answers 503 for a moment before the server goes, as vLLM's does.
      setTimeout(() => void stopServing?.().then(() => end(1)), 300);
    },
    stateChanged: () => state.writeNow(),
  };
  ctx = context;
  const routes = buildRoutes(options);
  const server = createSimServer(context, routes);
  const listening = await new Promise<Error | null>((resolve) => {
    server.once('error', resolve);
    server.listen(port, host, () => resolve(null));
  });
  if (listening !== null) {
    log.raw(
      'stderr',
      (listening as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? 'OSError: [Errno 98] Address already in use'
        : `OSError: ${listening.message}`,
    );
    end(1);
    return exited;
  }
  const address = server.address();
  if (address !== null && typeof address === 'object') port = address.port;
  const stopStats = args.disableLogStats ? () => undefined : startStatsLogger(context);
  let crashTimer: NodeJS.Timeout | null = null;
  stopServing = async () => {
    stopServing = null;
    stopStats();
    if (crashTimer) clearTimeout(crashTimer);
    log.uvicorn('Shutting down');
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeAllConnections();
    await closed;
    log.uvicorn('Waiting for application shutdown.');
    log.uvicorn('Application shutdown complete.');
  };
  log.info(
    'APIServer',
    'api_server.py:1912',
    `Starting vLLM API server 0 on http://${host}:${port}`,
  );
  log.info('APIServer', 'launcher.py:34', 'Available routes are:');
  for (const line of routeBanner(routes)) log.info('APIServer', 'launcher.py:42', line);
  log.uvicorn(`Started server process [${process.pid}]`);
  log.uvicorn('Waiting for application startup.');
  log.uvicorn('Application startup complete.');
  setPhase('ready');
  if (fault === 'crash-after-ready') {
    crashTimer = setTimeout(() => context.crash(CRASH_CAUSE), options.crashAfterS * 1000);
  }
  return exited;
}
