import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { EventBus } from '../events/event-bus.js';
import { GatewayMetrics } from '../gateway/gateway-metrics.js';
import { createGateway, type Gateway } from '../gateway/gateway-handler.js';
import { KeyCache } from '../gateway/key-cache.js';
import { KeyLimits } from '../gateway/key-limits.js';
import { RouteTable, type RoutableDeployment } from '../gateway/route-table.js';
import { UsageMeter } from '../gateway/usage-meter.js';
import { createLogger } from '../logging/logger.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { Clock } from '../shared/clock.js';
import type { LoopStatus } from '../shared/health.js';
import { SyncLoop } from '../shared/node/sync-loop.js';
import type { RouteDef } from '../shared/node/route.js';
import { ApiKeyService } from './api-key.service.js';
import { apiKeysRoutes } from './api-keys.routes.js';
import { GatewayFeed } from './gateway-feed.js';

/** How often usage, last-use marks and expired keys are written (the `gateway-flush` loop). */
const FLUSH_SECONDS = 5;

/** The gateway and what feeds it, built for the composition root. */
export interface GatewayParts {
  gateway: Gateway;
  keys: ApiKeyService;
  routes: RouteDef[];
  loop: SyncLoop;
  /** True while no permanent key exists. */
  open(): boolean;
  /** Loads keys and routes; call before the server listens. */
  start(): Promise<void>;
  /** Writes what is still in memory and closes the upstream pools (before the database closes). */
  stop(): Promise<void>;
}

export function buildGateway(deps: {
  db: Kysely<Database>;
  bus: EventBus;
  clock: Clock;
  settings: SettingsService;
  deployments: () => Promise<readonly RoutableDeployment[]>;
  nodes: () => Promise<readonly { id: number; ip_address: string }[]>;
  loops: () => readonly LoopStatus[];
}): GatewayParts {
  const cache = new KeyCache();
  const table = new RouteTable();
  const limits = new KeyLimits();
  const usage = new UsageMeter();
  const metrics = new GatewayMetrics();
  const keys = new ApiKeyService({
    db: deps.db,
    bus: deps.bus,
    clock: deps.clock,
    cache,
    limits,
    usage,
  });
  const feed = new GatewayFeed({
    bus: deps.bus,
    routes: table,
    keys,
    deployments: deps.deployments,
    nodes: deps.nodes,
  });
  const gateway = createGateway({
    keys: cache,
    routes: table,
    limits,
    usage,
    metrics,
    settings: () => deps.settings.get(),
    now: () => deps.clock.now(),
  });
  const loop = new SyncLoop({
    name: 'gateway-flush',
    logger: createLogger('loops'),
    clock: deps.clock,
    intervalSeconds: () => FLUSH_SECONDS,
    tick: () => keys.flush(),
  });
  const loopMetrics = () => {
    const rows = deps.loops();
    const g = (name: string, help: string, type: string, v: (l: LoopStatus) => number | null) =>
      [
        `# HELP ${name} ${help}`,
        `# TYPE ${name} ${type}`,
        ...rows.map((l) => `${name}{loop="${l.name}"} ${v(l) ?? 0}`),
      ].join('\n');
    return `${[
      g('aerie_loop_last_tick_seconds', "Duration of each loop's last tick.", 'gauge', (l) =>
        l.last_duration_ms === null ? null : l.last_duration_ms / 1000,
      ),
      g('aerie_loop_ticks_total', 'Ticks each loop has run.', 'counter', (l) => l.ticks),
      g('aerie_loop_failures_total', 'Ticks that failed.', 'counter', (l) => l.failures),
    ].join('\n')}\n`;
  };
  return {
    gateway,
    keys,
    loop,
    open: () => cache.open,
    routes: apiKeysRoutes(keys, () => metrics.render(loopMetrics())),
    async start() {
      await keys.reload();
      await feed.start();
    },
    async stop() {
      feed.stop();
      await gateway.close();
      await keys.flush().catch(() => undefined);
    },
  };
}
