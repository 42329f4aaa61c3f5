import type { EventBus } from '../events/event-bus.js';
import type { RouteTable, RoutableDeployment } from '../gateway/route-table.js';
import { createLogger } from '../logging/logger.js';
import type { ApiKeyService } from './api-key.service.js';

const log = createLogger('gateway');

/**
 * Keeps the gateway's route table current: rebuilt from the deployment and node rows at start and
 * after every `deployments_changed` / `nodes_changed` event (one rebuild at a time, a change during
 * one schedules exactly one more). Deleted deployments also leave every key's scope.
 */
export class GatewayFeed {
  private running: Promise<void> | null = null;
  private again = false;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly deps: {
      bus: EventBus;
      routes: RouteTable;
      keys: ApiKeyService;
      deployments: () => Promise<readonly RoutableDeployment[]>;
      nodes: () => Promise<readonly { id: number; ip_address: string }[]>;
    },
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.unsubscribe.push(
      this.deps.bus.on('deployments_changed', (e) => {
        void this.refresh();
        if (e.deleted.length > 0)
          this.deps.keys.forgetDeployments(e.deleted).catch((err: unknown) => {
            log.warn('could not remove deleted deployments from key scopes', { err });
          });
      }),
      this.deps.bus.on('nodes_changed', () => void this.refresh()),
    );
  }

  /** Rebuilds the table; resolves once a rebuild that started after this call has finished. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const [deployments, nodes] = await Promise.all([
            this.deps.deployments(),
            this.deps.nodes(),
          ]);
          this.deps.routes.replace(deployments, new Map(nodes.map((n) => [n.id, n.ip_address])));
        } catch (err) {
          log.warn('could not rebuild the gateway route table', { err });
        }
      } while (this.again);
      this.running = null;
    })();
    return this.running;
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }
}
