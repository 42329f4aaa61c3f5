import type { Logger } from '../logging/logger.js';
import type { NodeService } from '../nodes/node.service.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { AnnounceBody } from '../shared/agent-protocol/node.js';
import type { Clock } from '../shared/clock.js';
import type { DiscoveredNode } from '../shared/nodes.js';
import type { ConsulHealth } from './consul-catalog.js';

/**
 * How agents become nodes (DESIGN.md §4 Discovery): an announcement (or a Consul catalog entry)
 * registers the agent at once, or — with `auto_register_nodes` off — waits in the discovered list
 * for an operator to register it. Known nodes get their address and version refreshed.
 */
export class DiscoveryService {
  /** Agents waiting for approval, by node name. */
  private readonly pending = new Map<string, DiscoveredNode>();

  constructor(
    private readonly deps: {
      nodes: NodeService;
      settings: SettingsService;
      clock: Clock;
      logger: Logger;
      /** Called with the id of a node that was just registered (the node sync polls it now). */
      onRegistered: (nodeId: number) => void;
    },
  ) {}

  private nowIso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  /** `POST /api/agents/announce`: creates or refreshes the node, or lists it as discovered. */
  async announce(
    body: AnnounceBody,
  ): Promise<{ status: 'registered' | 'pending'; node_id: number | null }> {
    const { nodes, settings } = this.deps;
    const known = await nodes.findByHostname(body.node_name);
    if (!known && !settings.get().auto_register_nodes) {
      this.pending.set(body.node_name, {
        node: body.node_name,
        address: body.advertise_host,
        port: body.port,
        service_id: body.node_name,
        source: 'announce',
        agent_version: body.agent_version,
        last_seen_at: this.nowIso(),
      });
      return { status: 'pending', node_id: null };
    }
    const { row, created } = await nodes.upsertFromAgent({
      node_name: body.node_name,
      host: body.advertise_host,
      port: body.port,
      agent_version: body.agent_version,
      info: { gpus: body.gpus, runtimes: body.runtimes },
    });
    await nodes.heartbeat(row.id);
    this.pending.delete(body.node_name);
    if (created) {
      this.deps.logger.info('node registered by its announcement', { node: row.hostname });
      this.deps.onRegistered(row.id);
    }
    return { status: 'registered', node_id: row.id };
  }

  /** Takes in the Consul catalog of one node sync tick. */
  async consulSeen(catalog: ReadonlyMap<string, ConsulHealth>): Promise<void> {
    const auto = this.deps.settings.get().auto_register_nodes;
    for (const entry of catalog.values()) {
      if (!entry.address) continue;
      const known = await this.deps.nodes.findByHostname(entry.serviceId);
      if (!known && !auto) {
        this.pending.set(entry.serviceId, {
          node: entry.serviceId,
          address: entry.address,
          port: entry.port,
          service_id: entry.serviceId,
          source: 'consul',
          agent_version: entry.agentVersion,
          last_seen_at: this.nowIso(),
        });
        continue;
      }
      const { row, created } = await this.deps.nodes.upsertFromAgent({
        node_name: entry.serviceId,
        host: entry.address,
        port: entry.port,
        agent_version: entry.agentVersion ?? known?.agent_version ?? null,
      });
      this.pending.delete(entry.serviceId);
      if (created) {
        this.deps.logger.info('node registered from the Consul catalog', { node: row.hostname });
        this.deps.onRegistered(row.id);
      }
    }
  }

  /** `GET /api/nodes/discovered`: agents that are not registered yet, newest first. */
  async list(): Promise<{ nodes: DiscoveredNode[] }> {
    const out: DiscoveredNode[] = [];
    for (const d of this.pending.values()) {
      // Registered meanwhile (POST /api/nodes, or auto-registration turned back on).
      if (await this.deps.nodes.findByHostname(d.node)) this.pending.delete(d.node);
      else out.push(d);
    }
    return { nodes: out.sort((a, b) => b.last_seen_at.localeCompare(a.last_seen_at)) };
  }
}
