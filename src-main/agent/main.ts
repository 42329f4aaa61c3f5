import { mkdirSync } from 'node:fs';
import { AERIE_VERSION } from '../shared/version.js';
import { startCommand } from '../shared/node/command-start.js';
import { exitCodeOnSignal } from '../shared/node/shutdown.js';
import { AGENT_FLAGS, loadAgentConfig, type AgentConfig } from './config.js';
import { defaultAgentDeps } from './agent-deps.js';
import type { AgentRoute } from './http/agent-route.js';
import { closeAgentServer, createAgentServer, listenAgent } from './http/agent-server.js';
import { logsRoutes } from './http/logs.routes.js';
import type { RouteDescriptor } from './http/route-table.js';
import { systemRoutes } from './http/system.routes.js';
import { createAgentLogger, registerAgentSecret, type AgentLogger } from './logs/agent-logger.js';
import { LogRegistry } from './logs/log-registry.js';
import { resolveAdvertiseHost } from './registration/advertise-host.js';
import { Announcer } from './registration/announcer.js';
import { ConsulRegistrar } from './registration/consul-registrar.js';
import { NodeProbe } from './system/node-probe.js';
import type { GpuSource, RuntimeSource } from './system/node-sources.js';

/** What every agent part is built from; handed to route plug-ins. */
export interface AgentContext {
  config: AgentConfig;
  logs: LogRegistry;
  gpus: GpuSource;
  runtimes: RuntimeSource;
  logger: AgentLogger;
}

/** A feature that brings routes and, optionally, a lifecycle (the deployment engine is one). */
export interface AgentPlugin {
  routes: AgentRoute[];
  /** Runs before the server listens (e.g. adopting containers after a restart). */
  start?(): Promise<void>;
  /** Runs after the server stopped, in reverse plug-in order. */
  stop?(): Promise<void>;
}

export type AgentPluginFactory = (ctx: AgentContext) => AgentPlugin | Promise<AgentPlugin>;

/** The collaborators of a running agent (real ones from `defaultAgentDeps`; tests may shorten intervals). */
export interface AgentDeps {
  gpus: GpuSource;
  runtimes: RuntimeSource;
  plugins?: readonly AgentPluginFactory[];
  /** Announce and Consul re-registration interval (default 10 s). */
  registrationIntervalMs?: number;
  /** Released after the server and plug-ins stopped (runtime connections). */
  close?: () => Promise<void>;
}

/** A started agent. */
export interface RunningAgent {
  port: number;
  url: string;
  logs: LogRegistry;
  /** Every route the server answers (method, path, public). */
  routes(): RouteDescriptor[];
  stop(): Promise<void>;
}

/** A start-up failure with a message that says what to fix. */
export class AgentStartupError extends Error {
  override name = 'AgentStartupError';
}

/** Starts the agent: logs, routes (own + plug-ins), HTTP server, registration. Throws AgentStartupError (port in use). */
export async function startAgent(config: AgentConfig, deps: AgentDeps): Promise<RunningAgent> {
  const logger = createAgentLogger('agent');
  if (config.clusterToken) registerAgentSecret(config.clusterToken);
  mkdirSync(config.dataDir, { recursive: true });
  mkdirSync(config.hfCacheDir, { recursive: true });
  const logs = new LogRegistry({
    dir: config.logDir,
    maxBytes: config.logMaxBytes,
    retentionDays: config.logRetentionDays,
    onWriteError: (key, err) =>
      logger.warn('could not write a deployment log file', { key, error: err }),
  });
  const removed = await logs.cleanup();
  if (removed.length > 0)
    logger.info('removed old deployment logs', {
      files: removed.length,
      retention_days: config.logRetentionDays,
    });

  const ctx: AgentContext = { config, logs, gpus: deps.gpus, runtimes: deps.runtimes, logger };
  const probe = new NodeProbe({
    nodeName: config.nodeName,
    agentVersion: AERIE_VERSION,
    hfCacheDir: config.hfCacheDir,
    gpus: deps.gpus,
    runtimes: deps.runtimes,
  });
  const plugins: AgentPlugin[] = [];
  for (const factory of deps.plugins ?? []) plugins.push(await factory(ctx));
  const routes = [...systemRoutes(probe), ...logsRoutes(logs), ...plugins.flatMap((p) => p.routes)];
  const { server, routes: listRoutes } = createAgentServer(routes, {
    clusterToken: config.insecure ? undefined : config.clusterToken,
    logger: createAgentLogger('http'),
  });

  const started: AgentPlugin[] = [];
  const stopPlugins = async () => {
    for (const p of started.reverse())
      await p.stop?.().catch((err: unknown) => logger.error('plug-in stop failed', { error: err }));
    started.length = 0;
  };
  let port: number;
  try {
    for (const p of plugins) {
      await p.start?.();
      started.push(p);
    }
    port = await listenAgent(server, config.host, config.port);
  } catch (err) {
    await stopPlugins();
    await deps.close?.();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new AgentStartupError(
        `port ${config.port} on ${config.host} is already in use; stop what holds it or pass --port`,
      );
    }
    if ((err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') {
      throw new AgentStartupError(
        `cannot bind ${config.host}: no such local address; pass --host 0.0.0.0 or an address of this machine`,
      );
    }
    throw err;
  }

  const registration = await startRegistration(config, port, deps, logger);
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let stopping: Promise<void> | undefined;
  return {
    port,
    url: `http://${host}:${port}`,
    logs,
    routes: listRoutes,
    stop: () => {
      stopping ??= (async () => {
        await Promise.all(registration.map((r) => r.stop()));
        await closeAgentServer(server, 1000);
        await stopPlugins();
        logs.flushAll();
        await deps.close?.();
      })();
      return stopping;
    },
  };
}

async function startRegistration(
  config: AgentConfig,
  port: number,
  deps: AgentDeps,
  logger: AgentLogger,
): Promise<{ stop(): Promise<void> }[]> {
  const targets = [config.controlPlane, config.consulUrl].filter(
    (u): u is string => u !== undefined,
  );
  if (targets.length === 0) return [];
  const advertiseHost = await resolveAdvertiseHost(config.advertiseHost, targets);
  const log = createAgentLogger('registration');
  const out: { stop(): Promise<void> }[] = [];
  if (config.controlPlane) {
    const announcer = new Announcer({
      controlPlane: config.controlPlane,
      clusterToken: config.clusterToken,
      intervalMs: deps.registrationIntervalMs,
      logger: log,
      body: async () => ({
        node_name: config.nodeName,
        advertise_host: advertiseHost,
        port,
        agent_version: AERIE_VERSION,
        gpus: await deps.gpus.list(),
        runtimes: await deps.runtimes.available(),
      }),
    });
    announcer.start();
    out.push(announcer);
  }
  if (config.consulUrl) {
    const consul = new ConsulRegistrar({
      consulUrl: config.consulUrl,
      nodeName: config.nodeName,
      advertiseHost,
      port,
      agentVersion: AERIE_VERSION,
      intervalMs: deps.registrationIntervalMs,
      logger: log,
    });
    consul.start();
    out.push(consul);
  }
  logger.info('registration started', {
    advertise_host: advertiseHost,
    control_plane: config.controlPlane,
    consul: config.consulUrl,
  });
  return out;
}

const USAGE =
  'Usage: aerie agent [options]\n\nRuns the node agent: drives vLLM containers on this GPU host for the control plane.';

/** `aerie agent`: returns the process exit code once the agent has stopped (or failed to start). */
export async function runAgent(argv: readonly string[]): Promise<number> {
  const start = startCommand('aerie agent', USAGE, AGENT_FLAGS, argv, () =>
    loadAgentConfig(argv, process.env),
  );
  if ('exitCode' in start) return start.exitCode;
  const config = start.config;
  let agent: RunningAgent;
  try {
    agent = await startAgent(config, await defaultAgentDeps(config));
  } catch (err) {
    if (err instanceof AgentStartupError) {
      process.stderr.write(`aerie agent: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  // Handlers first: whoever waits for the "listening" line may signal right after reading it.
  const exitCode = exitCodeOnSignal('aerie agent', () => agent.stop(), 10_000);
  if (config.insecure) {
    process.stderr.write(
      'aerie agent: WARNING: --insecure: the agent API accepts requests without a cluster token\n',
    );
  }
  process.stdout.write(`agent listening on ${agent.url}\n`);
  return exitCode;
}
