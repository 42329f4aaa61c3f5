import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { adminRoutes } from './admin/admin.routes.js';
import { PurgeService } from './admin/purge.service.js';
import { ensureDataDir, loadOrCreateToken, lockDataDir } from './config/data-dir.js';
import type { ServeConfig } from './config/serve-config.js';
import { ConfigService } from './configs/config.service.js';
import { configsRoutes } from './configs/configs.routes.js';
import { DatabaseOpenError, openDatabase, type Store } from './db/open-database.js';
import { StartupError } from './errors/startup-error.js';
import { AgentClient } from './agent-client/agent-client.js';
import { DeploymentLauncher } from './deployments/deployment-launcher.js';
import { DeploymentStore } from './deployments/deployment-store.js';
import { DeploymentSync } from './deployments/deployment-sync.js';
import { DeploymentService } from './deployments/deployment.service.js';
import { deploymentsRoutes } from './deployments/deployments.routes.js';
import { ExpiryWatch } from './deployments/expiry.js';
import type { Notifier } from './deployments/notifier.js';
import { announceRoutes } from './discovery/announce.routes.js';
import { readConsulCatalog } from './discovery/consul-catalog.js';
import { DiscoveryService } from './discovery/discovery.service.js';
import { EventBus } from './events/event-bus.js';
import { healthRoutes } from './health/health.routes.js';
import { VllmReleaseService } from './health/vllm-release.service.js';
import { docsAssetDirs, docsRoutes } from './http/docs.js';
import { createExpressApp } from './http/express-app.js';
import {
  closeServer,
  createHttpServer,
  dispatcher,
  gatewayNotReady,
  listen,
} from './http/http-server.js';
import { injectRequest } from './http/inject.js';
import type { AccessPolicy } from './http/middleware/auth.js';
import { buildOpenApi } from './shared/node/openapi.js';
import type { RouteDef } from './shared/node/route.js';
import { createLogger, registerSecret } from './logging/logger.js';
import { createDeploymentSyncLoop, createExpiryLoop } from './loops/deployment-loops.js';
import { createHousekeepingLoop } from './loops/housekeeping.loop.js';
import { createNodeSyncLoop } from './loops/node-sync.loop.js';
import { createWebhookDeliveryLoop } from './loops/webhook-delivery.loop.js';
import { MaintenanceService } from './nodes/maintenance.service.js';
import { nodeProxyRoutes } from './nodes/node-proxy.routes.js';
import { NodeSync } from './nodes/node-sync.js';
import { NodeService } from './nodes/node.service.js';
import { nodesRoutes } from './nodes/nodes.routes.js';
import { UploadRelay } from './nodes/upload-relay.js';
import type { SyncLoop } from './shared/node/sync-loop.js';
import { SettingsService } from './settings/settings.service.js';
import { settingsRoutes } from './settings/settings.routes.js';
import { systemClock, type Clock } from './shared/clock.js';
import type { IpcResponse } from './shared/ipc.js';
import { AERIE_VERSION } from './shared/version.js';
import { WebhookService } from './webhooks/webhook.service.js';
import { webhooksRoutes } from './webhooks/webhooks.routes.js';
import { WsHub } from './ws/ws-hub.js';
import { errorMessage, errnoCode } from './shared/errors.js';
import { urlHost } from './shared/net.js';

const log = createLogger('startup');

export interface BootstrapOptions {
  /** Built console to serve at `/`; skipped when absent. */
  consoleDir?: string;
  clock?: Clock;
}

/** The running control plane. */
export interface ControlPlane {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  readonly events: EventBus;
  /** Deployment lifecycle notifications (`webhooks.notify(...)`). */
  readonly webhooks: WebhookService;
  readonly routes: readonly RouteDef[];
  readonly tokens: { cluster: string; admin: string; createdFiles: string[] };
  /** Answers a bridge request through the same router that serves the LAN. */
  inject(raw: unknown): Promise<IpcResponse>;
  /**
   * Stops loops (and aborts webhook attempts in flight), WS, HTTP and the database, in that
   * order. Idempotent.
   */
  stop(): Promise<void>;
}

/** Composition root: config → db → services → http → loops. Throws StartupError with a clear message. */
export async function bootstrap(
  config: ServeConfig,
  opts: BootstrapOptions = {},
): Promise<ControlPlane> {
  const clock = opts.clock ?? systemClock;
  ensureDataDir(config.dataDir);
  const unlock = lockDataDir(config.dataDir);
  try {
    return await start(config, opts, clock, unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}

async function start(
  config: ServeConfig,
  opts: BootstrapOptions,
  clock: Clock,
  unlock: () => void,
): Promise<ControlPlane> {
  const cluster = loadOrCreateToken(config.dataDir, 'cluster-token', config.clusterToken);
  const admin = loadOrCreateToken(config.dataDir, 'admin-token', config.adminToken);
  registerSecret(cluster.token);
  registerSecret(admin.token);

  let store: Store;
  try {
    store = openDatabase(join(config.dataDir, 'aerie.db'));
  } catch (err) {
    if (err instanceof DatabaseOpenError) throw new StartupError(err.message);
    throw err;
  }
  const now = () => new Date(clock.now());
  const events = new EventBus();
  const settings = new SettingsService(store.db, events, now);
  await settings.init();
  const webhooks = new WebhookService({
    db: store.db,
    settings,
    clock,
    wake: () => void webhookLoop.trigger(),
    ...(config.webhookRetryBaseMs !== undefined && { retryBaseMs: config.webhookRetryBaseMs }),
  });
  const webhookLoop = createWebhookDeliveryLoop(webhooks, clock);
  const configs = new ConfigService(store.db, now);
  const purge = new PurgeService(store.db, events);
  const releases = new VllmReleaseService({ url: config.vllmReleasesUrl });

  const agents = new AgentClient({ clusterToken: cluster.token });
  const nodes = new NodeService({ db: store.db, bus: events, settings, agents, clock });
  const discovery = new DiscoveryService({
    nodes,
    settings,
    clock,
    logger: createLogger('startup'),
    // A new node is polled at once, so it shows its GPUs and status within a second.
    onRegistered: () => void nodeLoop.trigger(),
  });
  const nodeSync = new NodeSync({
    db: store.db,
    nodes,
    agents,
    settings,
    bus: events,
    clock,
    logger: createLogger('loops'),
    ...(config.consulUrl !== undefined && {
      consul: () => readConsulCatalog(config.consulUrl ?? ''),
      onCatalog: (catalog) => discovery.consulSeen(catalog),
    }),
  });
  const nodeLoop = createNodeSyncLoop(nodeSync, settings, clock);
  const deploymentStore = new DeploymentStore(store.db, events, nodes, clock);
  const launcher = new DeploymentLauncher(deploymentStore, agents, settings);
  const deployments = new DeploymentService(deploymentStore, launcher, agents);
  const notify: Notifier = (n) => webhooks.notify(n);
  const deploymentSync = new DeploymentSync({
    store: deploymentStore,
    agents,
    settings,
    logger: createLogger('loops'),
    notify,
  });
  const expiry = new ExpiryWatch({
    store: deploymentStore,
    deployments,
    settings,
    bus: events,
    notify,
  });
  const maintenance = new MaintenanceService(nodes, (nodeId, gpus) =>
    deployments.drain(nodeId, gpus),
  );
  const uploads = new UploadRelay({ agents, bus: events, clock });

  const loops: SyncLoop[] = [
    createHousekeepingLoop(store.db, settings, clock),
    nodeLoop,
    createDeploymentSyncLoop(deploymentSync, settings, clock),
    createExpiryLoop(expiry, settings, clock),
    webhookLoop,
  ];
  settings.onChange(() => loops.forEach((l) => l.reschedule()));

  const access: AccessPolicy = {
    mode: config.apiAuth,
    trusted: config.trustedNetworks,
    adminToken: admin.token,
    clusterToken: cluster.token,
  };
  const routes: RouteDef[] = [];
  routes.push(
    ...healthRoutes(releases, () => loops.map((l) => l.status())),
    ...settingsRoutes(settings),
    ...configsRoutes(configs),
    ...adminRoutes(purge),
    ...webhooksRoutes(webhooks),
    ...nodesRoutes(nodes, maintenance, discovery, cluster.token),
    ...deploymentsRoutes(deployments, launcher),
    ...nodeProxyRoutes(nodes, agents, uploads),
    ...announceRoutes(discovery),
    ...docsRoutes(() =>
      buildOpenApi(routes, {
        title: 'Aerie control plane',
        version: AERIE_VERSION,
        description:
          'REST API of the Aerie control plane. `/api` and `/ws` are open to trusted networks and need `Authorization: Bearer <admin token>` from elsewhere.',
        bearer: {
          name: 'adminToken',
          description: 'The admin token (`admin-token` in the data dir).',
        },
        anonymousAllowed: true,
      }),
    ),
  );
  const consoleDir =
    opts.consoleDir && existsSync(join(opts.consoleDir, 'index.html'))
      ? opts.consoleDir
      : undefined;
  const app = createExpressApp({ routes, access, consoleDir, staticDirs: docsAssetDirs() });
  const hub = new WsHub(events, { access });
  const parts = { rest: app, gateway: gatewayNotReady, upgrade: hub.handleUpgrade.bind(hub) };
  const server = createHttpServer(parts);
  const dispatch = dispatcher(parts);

  let port: number;
  try {
    port = await listen(server, config.host, config.port);
  } catch (err) {
    hub.close();
    await webhooks.close();
    await store.close();
    const code = errnoCode(err);
    if (code === 'EADDRINUSE')
      throw new StartupError(
        `port ${config.port} on ${config.host} is already in use; choose another with --port`,
      );
    if (code === 'EADDRNOTAVAIL')
      throw new StartupError(
        `address ${config.host} is not available on this machine; check --host`,
      );
    if (code === 'EACCES')
      throw new StartupError(
        `not allowed to bind ${config.host}:${config.port}; use a port above 1023`,
      );
    throw new StartupError(`cannot listen on ${config.host}:${config.port}: ${errorMessage(err)}`);
  }
  for (const l of loops) l.start(1000);

  let stopping: Promise<void> | null = null;
  const displayHost = urlHost(config.host);
  log.info('control plane started', { port, data_dir: config.dataDir, version: AERIE_VERSION });
  return {
    url: `http://${displayHost}:${port}`,
    port,
    server,
    events,
    webhooks,
    routes,
    tokens: {
      cluster: cluster.token,
      admin: admin.token,
      createdFiles: [cluster.createdFile, admin.createdFile].filter((f): f is string => f !== null),
    },
    inject: (raw) => injectRequest(dispatch, raw, admin.token),
    stop: () =>
      (stopping ??= (async () => {
        await Promise.all(loops.map((l) => l.stop()));
        await webhooks.close();
        hub.close();
        await closeServer(server, 1000);
        await agents.close();
        await store.close();
        unlock();
        log.info('control plane stopped');
      })()),
  };
}
