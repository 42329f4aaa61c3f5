import type { Kysely } from 'kysely';
import type { AgentClient } from '../agent-client/agent-client.js';
import type { Database } from '../db/schema.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logging/logger.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { NodeMetrics } from '../shared/agent-protocol/node.js';
import type { Clock } from '../shared/clock.js';
import { errorMessage } from '../shared/errors.js';
import { mapLimit } from '../shared/map-limit.js';
import type { ConsulHealth } from '../discovery/consul-catalog.js';
import { cordonOf, nextHealth } from './node-health.js';
import { gpuIndexes, maintenanceGpus, visibleState, type NodeLive } from './node-presenter.js';
import * as repo from './node.repository.js';
import type { NodeService } from './node.service.js';

/** Agents polled at once per tick. */
const CONCURRENCY = 16;

interface Polled {
  row: repo.NodeRow;
  metrics: NodeMetrics | null;
  live: NodeLive;
}

/**
 * One node sync tick (DESIGN.md §4, behaviour.md §4.2): poll every agent (bounded concurrency,
 * per-call timeouts), push its node policy, derive health with flap damping, then write all rows
 * and metric samples in one transaction and announce what a client can see change.
 */
export class NodeSync {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      nodes: NodeService;
      agents: AgentClient;
      settings: SettingsService;
      bus: EventBus;
      clock: Clock;
      logger: Logger;
      /** The Consul view of the catalogued agents; absent without `--consul-url`. */
      consul?: () => Promise<ReadonlyMap<string, ConsulHealth>>;
      /** Takes in each catalog read (registers or lists new agents). */
      onCatalog?: (catalog: ReadonlyMap<string, ConsulHealth>) => Promise<void>;
    },
  ) {}

  async tick(): Promise<void> {
    const consul = await this.readConsul();
    if (consul) await this.deps.onCatalog?.(consul);
    const rows = await this.deps.nodes.rows();
    const polled = await mapLimit(rows, CONCURRENCY, (row) =>
      this.poll(row, consul?.get(row.hostname)?.status ?? null),
    );
    await this.apply(polled);
  }

  private consulFailures = 0;

  private async readConsul(): Promise<ReadonlyMap<string, ConsulHealth> | null> {
    if (!this.deps.consul) return null;
    try {
      const catalog = await this.deps.consul();
      if (this.consulFailures > 0)
        this.deps.logger.info('reading the Consul catalog again', {
          failed_reads: this.consulFailures,
        });
      this.consulFailures = 0;
      return catalog;
    } catch (err) {
      // Logged the first time and then every 60th, as long as Consul stays away.
      if (this.consulFailures++ % 60 === 0)
        this.deps.logger.warn('could not read the Consul catalog', {
          error: errorMessage(err),
          failed_reads: this.consulFailures,
        });
      return null;
    }
  }

  private async poll(row: repo.NodeRow, consul: ConsulHealth['status'] | null): Promise<Polled> {
    const { agents, nodes, settings } = this.deps;
    const address = nodes.addressOf(row);
    const prev = nodes.liveOf(row);
    let metrics: NodeMetrics | null = null;
    let error = '';
    try {
      metrics = await agents.call(address, 'metrics', {});
    } catch (err) {
      error = errorMessage(err);
    }
    const live: NodeLive = { ...prev };
    if (metrics) {
      const [rogue] = await Promise.all([
        agents.call(address, 'rogueSummary', {}).catch(() => null),
        nodes.pushPolicy(row.id).catch((err: unknown) =>
          this.deps.logger.warn('could not push the node policy', {
            node: row.hostname,
            error: errorMessage(err),
          }),
        ),
      ]);
      live.cpu_percent = metrics.cpu_percent;
      live.memory_percent = metrics.memory_percent;
      live.ram_cache_used_mb = metrics.ram_cache_used_mb;
      live.packages = metrics.packages;
      if (rogue) live.rogue = rogue;
    }
    const gpus = metrics ? metrics.gpus.map((g) => g.index) : gpuIndexes(row);
    live.health = nextHealth(
      prev.health,
      {
        poll: metrics ? { ok: true, runtimes: metrics.available_runtimes } : { ok: false, error },
        consul,
        cordon: cordonOf(maintenanceGpus(row), gpus),
      },
      settings.get().node_failure_threshold,
    );
    return { row, metrics, live };
  }

  private async apply(polled: readonly Polled[]): Promise<void> {
    const { db, nodes, bus } = this.deps;
    const now = new Date(this.deps.clock.now()).toISOString();
    const changed: number[] = [];
    const updated = await db.transaction().execute(async (trx) => {
      const out: { p: Polled; row: repo.NodeRow }[] = [];
      for (const p of polled) {
        const m = p.metrics;
        const row = await repo.updateNode(trx, p.row.id, {
          status: p.live.health.status,
          status_reason: p.live.health.reason,
          ...(m && {
            gpu_usage: JSON.stringify(m.gpus),
            disk_usage: JSON.stringify(m.disk),
            available_runtimes: JSON.stringify(m.available_runtimes),
            agent_version: m.agent_version,
            last_heartbeat_at: now,
          }),
        });
        // A node deleted while it was polled is simply gone.
        if (row) out.push({ p, row });
      }
      await repo.insertMetricSamples(
        trx,
        polled.flatMap((p) =>
          p.metrics
            ? [
                {
                  node_id: p.row.id,
                  recorded_at: now,
                  gpus: JSON.stringify(p.metrics.gpus),
                  cpu_percent: p.metrics.cpu_percent,
                  memory_percent: p.metrics.memory_percent,
                },
              ]
            : [],
        ),
      );
      return out;
    });
    for (const { p, row } of updated) {
      const before = visibleState(nodes.present(p.row));
      nodes.setLive(row.id, p.live);
      if (visibleState(nodes.present(row)) !== before) changed.push(row.id);
      if (p.metrics)
        bus.emit({
          type: 'node_metrics',
          node_id: row.id,
          recorded_at: now,
          gpus: p.metrics.gpus,
          cpu_percent: p.metrics.cpu_percent,
          memory_percent: p.metrics.memory_percent,
        });
    }
    await nodes.emitChanged(changed);
  }
}
