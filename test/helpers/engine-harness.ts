import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { DeploymentEngine } from '../../src-main/agent/engine/deployment-engine.js';
import { DEFAULT_TIMINGS, type EngineTimings } from '../../src-main/agent/engine/engine-deps.js';
import type { StatusEntry } from '../../src-main/shared/agent-protocol/deployments.js';
import {
  createSimulatedGpuProvider,
  parseSimulateGpusSpec,
} from '../../src-main/agent/gpu/simulated.js';
import {
  createAgentServer,
  listenAgent,
  closeAgentServer,
} from '../../src-main/agent/http/agent-server.js';
import { simGpusDir } from '../../src-main/agent/data-dir.js';
import { deploymentRoutes } from '../../src-main/agent/engine/deployments.routes.js';
import { leftoverRoutes } from '../../src-main/agent/engine/leftovers.routes.js';
import { Registry } from '../../src-main/agent/engine/registry.js';
import { simulatedLoads } from '../../src-main/agent/engine/simulated-loads.js';
import { createAgentLogger } from '../../src-main/agent/logs/agent-logger.js';
import { LogRegistry } from '../../src-main/agent/logs/log-registry.js';
import { ProcessRuntime } from '../../src-main/agent/runtime/process-runtime.js';
import { systemClock } from '../../src-main/shared/clock.js';
import type { ManualClock } from './manual-clock.js';
import { AERIE_BIN } from './serve-process.js';
import { waitFor, waitForValue } from './wait.js';

/** Short intervals so tests see monitor and scrape effects quickly (never asserted as speed). */
export const TEST_TIMINGS: Partial<EngineTimings> = {
  monitorMs: 200,
  scrapeMs: 1000,
  stopGraceSeconds: 5,
  sleepLeakWindowMs: 3000,
  busyGuardSlackMs: 500,
};

/** A deployment engine on real simulator processes and simulated GPUs, served by the agent HTTP server on port 0. */
export interface EngineHarness {
  engine: DeploymentEngine;
  dataDir: string;
  url: string;
  logs: LogRegistry;
  /** POST/GET the agent API; returns status and parsed JSON. */
  call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }>;
  entry(key: string): StatusEntry | undefined;
  /** The runtime the engine drives, for looking at containers from outside the engine. */
  runtime: ProcessRuntime;
  /**
   * With a `ManualClock` only: runs monitor ticks, one monitor period of clock time each, until
   * `fn` returns a truthy value (waiting real time for the ticks' I/O), and resolves with it.
   * The clock only moves while a monitor timer is armed; with one live deployment that means no
   * tick is in flight, so each tick sees exactly the time it was due at.
   */
  tickUntil<T>(fn: () => T | Promise<T>, what: string, ms?: number): Promise<NonNullable<T>>;
  /** Drops the engine and its server (processes keep running); `destroy` also stops every deployment. */
  detach(): Promise<void>;
  destroy(): Promise<void>;
}

export interface HarnessOptions {
  gpus?: string;
  dataDir?: string;
  timings?: Partial<EngineTimings>;
  /**
   * The engine's clock (default: the system clock). With a `ManualClock` the monitor ticks only
   * when the test advances it (`tickUntil`), so expiry and the crash-loop breaker run on test time.
   */
  clock?: ManualClock;
}

/** A free TCP port on 0.0.0.0 (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '0.0.0.0', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Builds the engine the way the agent does, with the process runtime driving `aerie vllm-sim`. */
export async function startEngineHarness(opts: HarnessOptions = {}): Promise<EngineHarness> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'aerie-engine-'));
  const runtime = new ProcessRuntime({
    stateDir: join(dataDir, 'processes'),
    simCommand: [process.execPath, AERIE_BIN, 'vllm-sim'],
    shimCommand: [process.execPath, AERIE_BIN, 'agent-shim'],
  });
  const logs = new LogRegistry({
    dir: join(dataDir, 'logs'),
    maxBytes: 50 * 1024 * 1024,
    retentionDays: 14,
  });
  const registry = new Registry();
  const gpus = createSimulatedGpuProvider(
    parseSimulateGpusSpec(opts.gpus ?? '2xH100-80GB'),
    simulatedLoads(simGpusDir(dataDir), registry),
  );
  const engine = new DeploymentEngine({
    dataDir,
    registry,
    runtimes: { select: () => Promise.resolve(runtime), all: () => Promise.resolve([runtime]) },
    gpus,
    logs,
    logger: createAgentLogger('engine'),
    clock: opts.clock ?? systemClock,
    imageRepo: 'vllm/vllm-openai',
    modelDirs: [join(dataDir, 'local-models')],
    hfCacheDir: join(dataDir, 'models'),
    passGpus: false,
    simulatedGpus: true,
    timings: { ...TEST_TIMINGS, ...opts.timings },
  });
  await engine.start();
  const { server } = createAgentServer([...deploymentRoutes(engine), ...leftoverRoutes(engine)], {
    clusterToken: undefined,
    logger: createAgentLogger('http'),
  });
  const port = await listenAgent(server, '127.0.0.1', 0);
  const url = `http://127.0.0.1:${port}`;

  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await request(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? (JSON.parse(text) as unknown) : null };
  };
  const { monitorMs } = { ...DEFAULT_TIMINGS, ...TEST_TIMINGS, ...opts.timings };
  const tickUntil = <T>(fn: () => T | Promise<T>, what: string, ms = 30_000) => {
    const clock = opts.clock;
    if (!clock) throw new Error('tickUntil needs a harness built with a ManualClock');
    return waitForValue(
      async () => {
        const v = await fn();
        // A tick in flight has no timer armed: the clock moves only between ticks, so every tick
        // sees the time it was due at.
        if (!v && clock.pending > 0) await clock.advance(monitorMs);
        return v;
      },
      ms,
      what,
    );
  };
  const detach = async () => {
    await closeAgentServer(server, 100);
    await engine.close();
  };
  return {
    engine,
    dataDir,
    url,
    logs,
    call,
    entry: (key) => engine.statusEntries().find((e) => e.key === key),
    runtime,
    tickUntil,
    detach,
    destroy: async () => {
      for (const key of engine.runningKeys()) {
        try {
          engine.stop(key);
        } catch {
          // Already gone.
        }
      }
      await waitFor(
        () => engine.runningKeys().length === 0,
        30_000,
        'every deployment to stop',
      ).catch(() => undefined);
      for (const c of await runtime.list([])) await runtime.remove(c.id).catch(() => undefined);
      await detach();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A launch body for the simulator with a fast load. */
export function simLaunch(
  model: string,
  port: number,
  extra: Record<string, unknown> = {},
  env: Record<string, string> = {},
) {
  return {
    model_name: model,
    port,
    gpu_memory_fraction: 0.4,
    gpu_ids: [0],
    env_vars: Object.entries({ AERIE_SIM_LOAD_S: '1', ...env }).map(([key, value]) => ({
      key,
      value,
    })),
    ...extra,
  };
}
