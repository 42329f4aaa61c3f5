import type { Kysely } from 'kysely';
import type { AgentAddress, AgentClient } from '../agent-client/agent-client.js';
import type { Database } from '../db/schema.js';
import { createLogger } from '../logging/logger.js';
import type { EventBus } from '../events/event-bus.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { NodePolicyUpdate } from '../shared/agent-protocol/deployments.js';
import type { NodeInfo } from '../shared/agent-protocol/node.js';
import type { Clock } from '../shared/clock.js';
import { AppError, badRequest, errorMessage, notFound } from '../shared/errors.js';
import { RelayedError } from '../shared/node/http-errors.js';
import {
  NodeStatusSchema,
  type MetricsPoint,
  type NodeCreate,
  type NodeRead,
  type NodeWarmCache,
} from '../shared/nodes.js';
import { INITIAL_LIVE, maintenanceGpus, presentNode, type NodeLive } from './node-presenter.js';
import * as repo from './node.repository.js';

/** History queries look back at most this far (behaviour.md §4.3). */
export const MAX_HISTORY_MINUTES = 2880;

/** `POST /api/nodes` waits this long for the agent's `/info` before saying it cannot be reached. */
const REGISTER_TIMEOUT_MS = 3_000;

/** What an agent says about itself when it announces, registers, or is found in Consul. */
export interface AgentFacts {
  node_name: string;
  host: string;
  port: number;
  agent_version: string | null;
  info?: Pick<NodeInfo, 'gpus' | 'runtimes'>;
}

const log = createLogger('agent');

/**
 * The registered nodes: rows in SQLite plus live state in memory (health, rogue counts, RAM
 * cache) rebuilt by the node sync loop. Every change a client can see is announced as one
 * `nodes_changed` event carrying the rows.
 */
export class NodeService {
  private readonly live = new Map<number, NodeLive>();
  /** The policy push in flight per node id (the last one queued). */
  private readonly pushes = new Map<number, Promise<void>>();

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      bus: EventBus;
      settings: SettingsService;
      agents: AgentClient;
      clock: Clock;
    },
  ) {}

  private nowIso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  /** The live state of a node; before its first poll, the status last stored. */
  liveOf(row: Pick<repo.NodeRow, 'id' | 'status' | 'status_reason'>): NodeLive {
    const known = this.live.get(row.id);
    if (known) return known;
    const status = NodeStatusSchema.safeParse(row.status);
    return {
      ...INITIAL_LIVE,
      health: {
        ...INITIAL_LIVE.health,
        status: status.success ? status.data : 'unknown',
        reason: row.status_reason,
      },
    };
  }

  setLive(id: number, live: NodeLive): void {
    this.live.set(id, live);
  }

  present(row: repo.NodeRow): NodeRead {
    return presentNode(row, this.liveOf(row));
  }

  /** Every node, ordered by hostname. */
  async list(): Promise<NodeRead[]> {
    return (await repo.listNodes(this.deps.db)).map((r) => this.present(r));
  }

  /** Every stored node row (for the sync loops). */
  rows(): Promise<repo.NodeRow[]> {
    return repo.listNodes(this.deps.db);
  }

  /** The node row; 404 naming the id when there is none. */
  async require(id: number): Promise<repo.NodeRow> {
    const row = await repo.getNode(this.deps.db, id);
    if (!row) throw notFound(`Node ${id} not found.`);
    return row;
  }

  async read(id: number): Promise<NodeRead> {
    return this.present(await this.require(id));
  }

  findById(id: number): Promise<repo.NodeRow | undefined> {
    return repo.getNode(this.deps.db, id);
  }

  findByHostname(hostname: string): Promise<repo.NodeRow | undefined> {
    return repo.findNodeByHostname(this.deps.db, hostname);
  }

  /** Where the node's agent listens. */
  addressOf(row: Pick<repo.NodeRow, 'ip_address' | 'port'>): AgentAddress {
    return { host: row.ip_address, port: row.port };
  }

  /** Announces rows that changed (and ids that are gone) to every client. */
  async emitChanged(ids: readonly number[], deleted: readonly number[] = []): Promise<void> {
    if (ids.length === 0 && deleted.length === 0) return;
    const rows = await Promise.all(ids.map((id) => repo.getNode(this.deps.db, id)));
    const nodes = rows
      .filter((r): r is repo.NodeRow => r !== undefined)
      .map((r) => this.present(r));
    this.deps.bus.emit({
      type: 'nodes_changed',
      ids: [...ids, ...deleted],
      nodes,
      deleted: [...deleted],
    });
  }

  /**
   * `POST /api/nodes`: asks the agent at the address who it is (`/info`) and registers it under
   * its node name. 502 naming the address and the cause when it cannot be reached, refuses the
   * cluster token, or is not an Aerie agent.
   */
  async register(input: NodeCreate): Promise<{ node: NodeRead; created: boolean }> {
    const address = { host: input.ip_address, port: input.port };
    let info: NodeInfo;
    try {
      // A LAN agent answers `/info` at once; an address that does not is a typo, said quickly.
      info = await this.deps.agents.call(address, 'info', {}, { timeoutMs: REGISTER_TIMEOUT_MS });
    } catch (err) {
      throw registrationProblem(address, err);
    }
    const { row, created } = await this.upsertFromAgent({
      node_name: info.node_name,
      host: input.ip_address,
      port: input.port,
      agent_version: info.agent_version,
      info,
    });
    return { node: this.present(row), created };
  }

  /** Creates the node of an agent, or updates its address and version (matched by node name). */
  async upsertFromAgent(f: AgentFacts): Promise<{ row: repo.NodeRow; created: boolean }> {
    const existing = await repo.findNodeByHostname(this.deps.db, f.node_name);
    const facts = {
      ip_address: f.host,
      port: f.port,
      agent_version: f.agent_version,
      ...(f.info && {
        gpu_usage: JSON.stringify(f.info.gpus),
        available_runtimes: JSON.stringify(f.info.runtimes),
      }),
    };
    if (existing) {
      const moved = existing.ip_address !== f.host || existing.port !== f.port;
      if (moved) await this.deps.agents.forget(this.addressOf(existing));
      const row = (await repo.updateNode(this.deps.db, existing.id, facts)) ?? existing;
      if (moved || existing.agent_version !== f.agent_version) await this.emitChanged([row.id]);
      return { row, created: false };
    }
    try {
      const row = await repo.insertNode(this.deps.db, {
        hostname: f.node_name,
        status: 'unknown',
        maintenance_gpus: '[]',
        gpu_usage: '[]',
        default_pip_packages: '[]',
        installed_packages: '[]',
        available_runtimes: '[]',
        warm_offload_enabled: this.deps.settings.get().default_warm_offload_enabled ? 1 : 0,
        created_at: this.nowIso(),
        ...facts,
      });
      await this.emitChanged([row.id]);
      return { row, created: true };
    } catch (err) {
      // Two announcements of a new agent at once: the other one created it.
      const raced = await repo.findNodeByHostname(this.deps.db, f.node_name);
      if (raced) return { row: raced, created: false };
      throw err;
    }
  }

  /** Records that the agent was heard from (announce or poll). */
  async heartbeat(id: number): Promise<void> {
    await repo.updateNode(this.deps.db, id, { last_heartbeat_at: this.nowIso() });
  }

  /**
   * `DELETE /api/nodes/{id}`: the node's records go (deployments and metric samples with it);
   * containers on the node are untouched, and a live agent registers again when it next announces.
   */
  async remove(
    id: number,
  ): Promise<{ status: 'deleted'; hostname: string; deployments_deleted: number }> {
    const row = await this.require(id);
    const deploymentIds = (
      await this.deps.db.selectFrom('deployments').select('id').where('node_id', '=', id).execute()
    ).map((d) => d.id);
    const r = await repo.deleteNode(this.deps.db, id);
    if (!r.deleted) throw notFound(`Node ${id} not found.`);
    this.live.delete(id);
    await this.deps.agents.forget(this.addressOf(row));
    await this.emitChanged([], [id]);
    if (deploymentIds.length > 0)
      this.deps.bus.emit({
        type: 'deployments_changed',
        ids: deploymentIds,
        deployments: [],
        deleted: deploymentIds,
      });
    return { status: 'deleted', hostname: row.hostname, deployments_deleted: r.deployments };
  }

  /** `POST /{id}/runtime`: `docker`, `podman` (one the node has) or null for automatic. */
  async setRuntime(id: number, runtime: string | null): Promise<NodeRead> {
    const row = await this.require(id);
    if (runtime !== null && runtime !== 'docker' && runtime !== 'podman')
      throw badRequest(`runtime must be "docker", "podman" or null (automatic), not "${runtime}".`);
    const available = this.present(row).available_runtimes;
    if (runtime !== null && !available.includes(runtime))
      throw badRequest(
        `${row.hostname} has no ${runtime} runtime (available: ${available.join(', ') || 'none'}).`,
      );
    const updated =
      (await repo.updateNode(this.deps.db, id, { container_runtime: runtime })) ?? row;
    await this.emitChanged([id]);
    return this.present(updated);
  }

  /** `POST /{id}/warm-cache`: stored, then pushed to the agent at once (and on every tick). */
  async setWarmCache(id: number, req: NodeWarmCache): Promise<NodeRead> {
    await this.require(id);
    const limit = req.ram_cache_limit_mb ?? null;
    if (limit !== null && limit <= 0)
      throw badRequest('ram_cache_limit_mb must be a positive number of MB, or null for no limit.');
    const row = await repo.updateNode(this.deps.db, id, {
      warm_offload_enabled: req.enabled ? 1 : 0,
      ram_cache_limit_mb: limit,
    });
    if (!row) throw notFound(`Node ${id} not found.`);
    // Stored is what counts: the next tick pushes it again when the agent cannot be reached now.
    await this.pushPolicy(id).catch((err: unknown) =>
      log.warn('could not push the node policy; the next poll retries', {
        node: row.hostname,
        error: errorMessage(err),
      }),
    );
    await this.emitChanged([id]);
    return this.present(row);
  }

  /**
   * Cordons (`enabled`) or uncordons GPUs; empty `gpuIds` means every GPU. Returns the node and
   * the GPUs this call newly cordoned (what a drain stops). 400 for GPUs the node does not have.
   */
  async setMaintenance(
    id: number,
    gpuIds: readonly number[],
    enabled: boolean,
  ): Promise<{ node: NodeRead; newlyCordoned: number[] }> {
    const row = await this.require(id);
    const available = this.present(row).gpu_usage.map((g) => g.index);
    const unknown = gpuIds.filter((g) => !available.includes(g));
    if (unknown.length > 0)
      throw badRequest(
        `GPU indices [${unknown.join(', ')}] not found on ${row.hostname}. Available: [${available.join(', ')}].`,
      );
    const targets = gpuIds.length > 0 ? [...gpuIds] : available;
    const before = maintenanceGpus(row);
    const after = enabled
      ? [...new Set([...before, ...targets])].sort((a, b) => a - b)
      : before.filter((g) => !targets.includes(g));
    const updated =
      (await repo.updateNode(this.deps.db, id, { maintenance_gpus: JSON.stringify(after) })) ?? row;
    const live = this.liveOf(updated);
    const node = this.present(updated);
    // A full cordon shows at once; lifting one waits for the next poll to say how the node is.
    if (node.maintenance)
      this.setLive(id, {
        ...live,
        health: { ...live.health, status: 'maintenance', reason: 'all GPUs cordoned' },
      });
    else if (live.health.status === 'maintenance')
      this.setLive(id, {
        ...live,
        health: {
          ...live.health,
          status: 'unknown',
          reason: 'maintenance lifted; waiting for the next poll',
        },
      });
    await this.emitChanged([id]);
    return {
      node: this.present(updated),
      newlyCordoned: targets.filter((g) => !before.includes(g)),
    };
  }

  /** The node policy the agent must apply (warm cache, RAM budget, busy guard). */
  policyFor(row: repo.NodeRow): NodePolicyUpdate {
    return {
      warm_offload_enabled: row.warm_offload_enabled === 1,
      ram_cache_limit_mb: row.ram_cache_limit_mb,
      busy_guard_seconds: this.deps.settings.get().busy_guard_seconds,
    };
  }

  /**
   * Pushes the node's stored policy to its agent. Pushes to one node run one after another and
   * each reads the row when its turn comes, so the last to land carries the newest policy: a poll
   * that read the node before an operator's change can no longer undo it on the agent.
   */
  pushPolicy(id: number): Promise<void> {
    const push = async () => {
      const row = await repo.getNode(this.deps.db, id);
      if (!row) return;
      await this.deps.agents.call(this.addressOf(row), 'config', { body: this.policyFor(row) });
    };
    const next = (this.pushes.get(id) ?? Promise.resolve()).then(push, push);
    this.pushes.set(id, next);
    const settle = () => {
      if (this.pushes.get(id) === next) this.pushes.delete(id);
    };
    next.then(settle, settle);
    return next;
  }

  /** `GET /{id}/metrics/history`: the last `minutes` (clamped 1–2880), every `step`-th sample. */
  async history(
    id: number,
    minutes: number,
    step: number,
  ): Promise<{ node_id: number; points: MetricsPoint[] }> {
    await this.require(id);
    const clamped = Math.min(MAX_HISTORY_MINUTES, Math.max(1, minutes));
    const since = new Date(this.deps.clock.now() - clamped * 60_000).toISOString();
    const rows = await repo.metricsSince(this.deps.db, id, since, step);
    return {
      node_id: id,
      points: rows.map((r) => ({
        recorded_at: r.recorded_at,
        gpus: JSON.parse(r.gpus) as MetricsPoint['gpus'],
        cpu_percent: r.cpu_percent,
        memory_percent: r.memory_percent,
      })),
    };
  }
}

/** Why an agent could not be registered, as a 502 that names the address and the cause. */
function registrationProblem(address: AgentAddress, err: unknown): AppError {
  const where = `${address.host}:${address.port}`;
  if (err instanceof RelayedError && err.status === 401)
    return new AppError(
      'bad_gateway',
      `The agent at ${where} refused this control plane's cluster token; start it with --cluster-token set to the token \`aerie serve\` printed.`,
    );
  if (err instanceof RelayedError)
    return new AppError(
      'bad_gateway',
      `${where} is not an Aerie agent: GET /info answered ${err.status} (${String(err.body.detail)}).`,
    );
  if (err instanceof AppError) return new AppError('bad_gateway', err.message);
  throw err;
}
