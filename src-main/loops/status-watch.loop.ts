// Fast propagation of agent state changes (issue 12 item 11): one `GET /deployments/watch` long
// poll held open per node. When it answers with a change, that node is synced at once from the
// entries it answered, so a status change reaches a /ws client in about 0.1 s instead of up to a
// `deployments_sync_interval_seconds`. The sync tick stays the safety net (and pushes the pins).
import type { AgentAddress, AgentClient } from '../agent-client/agent-client.js';
import type { DeploymentStore } from '../deployments/deployment-store.js';
import type { DeploymentSync } from '../deployments/deployment-sync.js';
import { createLogger } from '../logging/logger.js';
import type { NodeRow } from '../nodes/node.repository.js';
import type { Logger } from '../shared/node/structured-log.js';
import { errorMessage } from '../shared/errors.js';
import { SyncLoop } from '../shared/node/sync-loop.js';

/** How long each watch is held by the agent when nothing changes, seconds (the agent allows ≤ 30). */
export const WATCH_WAIT_SECONDS = 25;
/** Backoff after a failed watch (agent down, restarting, unreachable), doubled up to the maximum. */
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** How often the set of watched nodes is brought in line with the node table, seconds. */
const RECONCILE_SECONDS = 2;

interface Watcher {
  /** `host:port` watched; a node whose address changes gets a new watcher. */
  target: string;
  abort: AbortController;
  done: Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** The nodes to watch and where their agents listen (the NodeService). */
export interface WatchedNodes<R extends { id: number }> {
  rows(): Promise<R[]>;
  addressOf(row: R): AgentAddress;
}

/** The watchers of every node, started and stopped as nodes come and go. */
export class NodeStatusWatch<R extends { id: number }> {
  private readonly watchers = new Map<number, Watcher>();
  private closed = false;

  constructor(
    private readonly deps: {
      nodes: WatchedNodes<R>;
      agents: AgentClient;
      sync: Pick<DeploymentSync, 'syncNode'>;
      logger: Logger;
    },
  ) {}

  /** Watches every node in the table (once each), and stops watching the ones gone. */
  async reconcile(): Promise<void> {
    if (this.closed) return;
    const { nodes } = this.deps;
    const present = new Set<number>();
    for (const n of await nodes.rows()) {
      present.add(n.id);
      const address = nodes.addressOf(n);
      const target = `${address.host}:${address.port}`;
      const w = this.watchers.get(n.id);
      if (w?.target === target) continue;
      w?.abort.abort();
      const abort = new AbortController();
      const done = this.run(n.id, address, abort.signal);
      this.watchers.set(n.id, { target, abort, done });
    }
    for (const [id, w] of this.watchers)
      if (!present.has(id)) {
        w.abort.abort();
        this.watchers.delete(id);
      }
  }

  /** Ends every watch and waits for the watchers to return. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.watchers.values()];
    this.watchers.clear();
    for (const w of all) w.abort.abort();
    await Promise.allSettled(all.map((w) => w.done));
  }

  private async run(nodeId: number, address: AgentAddress, signal: AbortSignal): Promise<void> {
    // Unknown at first: the first answer is synced too, as what changed before the watch began.
    let since: number | undefined;
    let backoff = BACKOFF_MIN_MS;
    let failing = false;
    while (!signal.aborted) {
      try {
        const r = await this.deps.agents.call(
          address,
          'watch',
          {
            query: {
              ...(since !== undefined && { since: String(since) }),
              wait: String(WATCH_WAIT_SECONDS),
            },
          },
          { signal, timeoutMs: (WATCH_WAIT_SECONDS + 15) * 1000 },
        );
        if (r.changed) await this.deps.sync.syncNode(nodeId, r.deployments);
        // Kept across failures: an agent back from a restart answers at once (its version moved).
        since = r.version;
        backoff = BACKOFF_MIN_MS;
        failing = false;
      } catch (err) {
        if (signal.aborted) return;
        if (!failing)
          this.deps.logger.info('status watch failed; retrying with backoff', {
            node_id: nodeId,
            error: errorMessage(err),
          });
        failing = true;
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      }
    }
  }
}

/** A loop that keeps the watchers in line with the node table; stopping it ends every watch. */
class StatusWatchLoop<R extends { id: number }> extends SyncLoop {
  constructor(private readonly watch: NodeStatusWatch<R>) {
    super({
      name: 'status-watch',
      logger: createLogger('loops'),
      intervalSeconds: () => RECONCILE_SECONDS,
      tick: () => watch.reconcile(),
    });
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.watch.close();
  }
}

/** The status-watch loop over `sync` (see NodeStatusWatch). */
export function createStatusWatchLoop(deps: {
  store: DeploymentStore;
  agents: AgentClient;
  sync: DeploymentSync;
}): SyncLoop {
  const { store, agents, sync } = deps;
  return new StatusWatchLoop(
    new NodeStatusWatch<NodeRow>({
      nodes: store.nodes,
      agents,
      sync,
      logger: createLogger('loops'),
    }),
  );
}
