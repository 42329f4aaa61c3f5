// The agent's composition root: runtimes → GPUs → engine → features → HTTP → registration, built
// in this order; `stop()` tears down in reverse. Nothing here runs on import.
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AnnounceBody } from '../shared/agent-protocol/node.js';
import { systemClock } from '../shared/clock.js';
import { errnoCode } from '../shared/errors.js';
import { urlHost } from '../shared/net.js';
import { buildOpenApi } from '../shared/node/openapi.js';
import type { RouteDef } from '../shared/node/route.js';
import { registerSecret, type Logger } from '../shared/node/structured-log.js';
import { AERIE_VERSION } from '../shared/version.js';
import type { AgentConfig } from './config.js';
import { logsDir, managedModelsDir, processesDir, simGpusDir } from './data-dir.js';
import { DeploymentEngine } from './engine/deployment-engine.js';
import type { EngineTimings } from './engine/engine-deps.js';
import { deploymentRoutes } from './engine/deployments.routes.js';
import { leftoverRoutes } from './engine/leftovers.routes.js';
import { Registry } from './engine/registry.js';
import { simulatedLoads } from './engine/simulated-loads.js';
import type { AgentFeature } from './feature.js';
import type { FileDeps } from './files/file-deps.js';
import { filesFeature } from './files/files-feature.js';
import type { GpuProvider } from './gpu/gpu-provider.js';
import { createNvidiaSmiProvider, withUnifiedFallback } from './gpu/nvidia-smi.js';
import { createSimulatedGpuProvider } from './gpu/simulated.js';
import { closeAgentServer, createAgentServer, listenAgent } from './http/agent-server.js';
import type { RouteDescriptor } from './http/route-table.js';
import { ImageCache } from './images/image-cache.js';
import { imageRoutes } from './images/images.routes.js';
import { createAgentLogger } from './logs/agent-logger.js';
import { LogRegistry } from './logs/log-registry.js';
import { logsRoutes } from './logs/logs.routes.js';
import { resolveAdvertiseHost } from './registration/advertise-host.js';
import { Announcer } from './registration/announcer.js';
import { ConsulRegistrar } from './registration/consul-registrar.js';
import { RuntimeRegistry } from './runtime/runtimes.js';
import { NodeProbe } from './system/node-probe.js';
import { systemRoutes } from './system/system.routes.js';

/** Collaborators a caller may replace: tests pin the GPU inventory, runtimes, disk and clock. */
export interface AgentOverrides {
  /** The GPU inventory (default: simulated with `--simulate-gpus`, else nvidia-smi). */
  gpus?: GpuProvider;
  /** The container runtimes (default: probed, the process runtime with `--runtime process`). */
  runtimes?: RuntimeRegistry;
  /** Free-disk, clock and progress hooks of the model-file housekeeping. */
  files?: Partial<Pick<FileDeps, 'freeBytes' | 'now' | 'onTransferProgress' | 'isModelInUse'>>;
  /** Engine timings (tests shorten them). */
  timings?: Partial<EngineTimings>;
  /** Announce and Consul re-registration interval (default: the config's, 10 s). */
  registrationIntervalMs?: number;
}

/** A started agent. */
export interface RunningAgent {
  port: number;
  url: string;
  /** The deployments' run logs. */
  logs: LogRegistry;
  /** Every route the server answers (method, path, public). */
  routes(): RouteDescriptor[];
  stop(): Promise<void>;
}

/** A start-up failure with a message that says what to fix. */
export class AgentStartupError extends Error {
  override name = 'AgentStartupError';
}

function createRuntimes(config: AgentConfig, logger: Logger): RuntimeRegistry {
  return new RuntimeRegistry({
    preferred: config.runtime ?? null,
    process:
      config.runtime === 'process'
        ? {
            stateDir: processesDir(config.dataDir),
            simCommand: [process.execPath, process.argv[1] ?? '', 'vllm-sim'],
          }
        : null,
    onWarning: (message) => logger.warn(message),
  });
}

function createGpus(config: AgentConfig, deployments: Registry): GpuProvider {
  return config.simulateGpus
    ? createSimulatedGpuProvider(
        config.simulateGpus,
        simulatedLoads(simGpusDir(config.dataDir), deployments),
      )
    : withUnifiedFallback(createNvidiaSmiProvider());
}

async function openLogs(config: AgentConfig, logger: Logger): Promise<LogRegistry> {
  const logs = new LogRegistry({
    dir: logsDir(config.dataDir),
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
  return logs;
}

const OPENAPI_INFO = {
  title: 'Aerie agent',
  version: AERIE_VERSION,
  description:
    'The node agent API: the control plane drives vLLM deployments and the node through it. Every route but `/health` and `/openapi.json` needs `Authorization: Bearer <cluster token>`.',
  bearer: { name: 'clusterToken', description: 'The cluster token `aerie serve` printed.' },
  anonymousAllowed: false,
};

/** Builds and starts the agent. Throws AgentStartupError (port in use, no such address). */
export async function startAgent(
  config: AgentConfig,
  overrides: AgentOverrides = {},
): Promise<RunningAgent> {
  const logger = createAgentLogger('agent');
  if (config.clusterToken) registerSecret(config.clusterToken);
  mkdirSync(config.dataDir, { recursive: true });
  mkdirSync(config.hfCacheDir, { recursive: true });
  const logs = await openLogs(config, logger);

  const runtimes = overrides.runtimes ?? createRuntimes(config, createAgentLogger('runtime'));
  const deployments = new Registry();
  const gpus = overrides.gpus ?? createGpus(config, deployments);
  const engine = new DeploymentEngine({
    dataDir: config.dataDir,
    registry: deployments,
    runtimes,
    gpus,
    logs,
    logger: createAgentLogger('engine'),
    clock: systemClock,
    imageRepo: config.imageRepo,
    modelDirs: [managedModelsDir(config.dataDir), ...config.modelDirs],
    hfCacheDir: config.hfCacheDir,
    passGpus: config.simulateGpus === undefined,
    simulatedGpus: config.simulateGpus !== undefined,
    timings: { monitorMs: config.monitorIntervalMs, ...overrides.timings },
  });
  const files = filesFeature({
    dataDir: config.dataDir,
    hfCacheDir: config.hfCacheDir,
    modelDirs: config.modelDirs,
    isModelInUse: (n) => engine.isModelInUse(n),
    ...overrides.files,
  });
  const probe = new NodeProbe({
    nodeName: config.nodeName,
    agentVersion: AERIE_VERSION,
    hfCacheDir: config.hfCacheDir,
    gpus,
    runtimes,
    ramCacheUsedMb: () => engine.ramCacheUsedMb(),
    packages: async () =>
      (await files.packages.list()).map(({ package_id, filename, type }) => ({
        package_id,
        filename,
        type,
      })),
  });
  const features: AgentFeature[] = [
    {
      routes: [...deploymentRoutes(engine), ...leftoverRoutes(engine)],
      start: async () => {
        await engine.start();
      },
      stop: () => engine.close(),
    },
    files,
    { routes: imageRoutes(new ImageCache({ runtimes, imageRepo: config.imageRepo })) },
    { routes: logsRoutes(logs) },
  ];
  const routes: RouteDef[] = [];
  routes.push(
    ...systemRoutes(probe, () => buildOpenApi(routes, OPENAPI_INFO)),
    ...features.flatMap((f) => f.routes),
  );
  const { server, routes: listRoutes } = createAgentServer(routes, {
    clusterToken: config.insecure ? undefined : config.clusterToken,
    logger: createAgentLogger('http'),
  });

  const started: AgentFeature[] = [];
  const stopFeatures = async () => {
    for (const f of started.reverse())
      await f.stop?.().catch((err: unknown) => logger.error('feature stop failed', { error: err }));
    started.length = 0;
  };
  let port: number;
  try {
    for (const f of features) {
      await f.start?.();
      started.push(f);
    }
    port = await listenAgent(server, config.host, config.port);
  } catch (err) {
    await stopFeatures();
    await runtimes.close();
    throw startupError(err, config);
  }

  const registration = await startRegistration(config, port, gpus, runtimes, overrides);
  let stopping: Promise<void> | undefined;
  return {
    port,
    url: `http://${urlHost(config.host)}:${port}`,
    logs,
    routes: listRoutes,
    stop: () =>
      (stopping ??= (async () => {
        await Promise.all(registration.map((r) => r.stop()));
        await closeServer(server);
        await stopFeatures();
        logs.flushAll();
        await runtimes.close();
      })()),
  };
}

const closeServer = (server: Server) => closeAgentServer(server, 1000);

function startupError(err: unknown, config: AgentConfig): unknown {
  switch (errnoCode(err)) {
    case 'EADDRINUSE':
      return new AgentStartupError(
        `port ${config.port} on ${config.host} is already in use; stop what holds it or pass --port`,
      );
    case 'EADDRNOTAVAIL':
      return new AgentStartupError(
        `cannot bind ${config.host}: no such local address; pass --host 0.0.0.0 or an address of this machine`,
      );
    default:
      return err;
  }
}

async function startRegistration(
  config: AgentConfig,
  port: number,
  gpus: GpuProvider,
  runtimes: RuntimeRegistry,
  overrides: AgentOverrides,
): Promise<{ stop(): Promise<void> }[]> {
  const targets = [config.controlPlane, config.consulUrl].filter(
    (u): u is string => u !== undefined,
  );
  if (targets.length === 0) return [];
  const advertiseHost = await resolveAdvertiseHost(config.advertiseHost, targets);
  const log = createAgentLogger('registration');
  const intervalMs = overrides.registrationIntervalMs ?? config.announceIntervalMs;
  const out: { stop(): Promise<void> }[] = [];
  if (config.controlPlane) {
    const announcer = new Announcer({
      controlPlane: config.controlPlane,
      clusterToken: config.clusterToken,
      intervalMs,
      logger: log,
      body: async (): Promise<AnnounceBody> => ({
        node_name: config.nodeName,
        advertise_host: advertiseHost,
        port,
        agent_version: AERIE_VERSION,
        gpus: await gpus.list(),
        runtimes: await runtimes.available(),
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
      intervalMs,
      logger: log,
    });
    consul.start();
    out.push(consul);
  }
  log.info('registration started', {
    advertise_host: advertiseHost,
    control_plane: config.controlPlane,
    consul: config.consulUrl,
  });
  return out;
}
