import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { EventBus } from '../events/event-bus.js';
import type { NodeService } from '../nodes/node.service.js';
import type { Clock } from '../shared/clock.js';
import type { DeploymentStatus } from '../shared/deployment-status.js';
import type { DeploymentRead } from '../shared/deployments.js';
import { notFound } from '../shared/errors.js';
import { deploymentKey } from '../shared/vllm-args.js';
import {
  NO_LIVE,
  presentDeployment,
  statusOf,
  visibleState,
  type DeploymentLive,
} from './deployment-presenter.js';
import * as repo from './deployment.repository.js';
import type { UsageCounters } from './usage-fold.js';
import { HEALTHY } from '../shared/deployment-status.js';

/**
 * The deployments' rows plus what the control plane keeps about them in memory (live rates, pull
 * progress, the last usage counters seen), and the one place that announces their changes.
 */
export class DeploymentStore {
  private readonly live = new Map<number, DeploymentLive>();
  /** Cumulative counters last folded in, per deployment (behaviour.md §5.5). */
  readonly usageSeen = new Map<number, UsageCounters>();

  constructor(
    readonly db: Kysely<Database>,
    readonly bus: EventBus,
    readonly nodes: NodeService,
    readonly clock: Clock,
  ) {}

  nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  liveOf(id: number): DeploymentLive {
    return this.live.get(id) ?? NO_LIVE;
  }

  setLive(id: number, live: DeploymentLive): void {
    this.live.set(id, live);
  }

  forget(id: number): void {
    this.live.delete(id);
    this.usageSeen.delete(id);
  }

  /** The deployment row; 404 naming the id when there is none. */
  async require(id: number): Promise<repo.DeploymentRow> {
    const row = await repo.getDeployment(this.db, id);
    if (!row) throw notFound(`Deployment ${id} not found.`);
    return row;
  }

  rows(): Promise<repo.DeploymentRow[]> {
    return repo.listDeployments(this.db);
  }

  /** The agent's key of a deployment: `<model>:<port>`. */
  keyOf(row: Pick<repo.DeploymentRow, 'model_name' | 'port'>): string {
    return deploymentKey(row.model_name, row.port);
  }

  async present(row: repo.DeploymentRow): Promise<DeploymentRead> {
    const node = await this.nodes.findById(row.node_id);
    return presentDeployment(row, this.liveOf(row.id), node?.hostname ?? null);
  }

  /**
   * The rows `presentAll` last read, and the write count they were read at. Reading 1000 rows
   * from SQLite costs 7–12 ms here; most list requests come between two writes. Writes made
   * elsewhere (a purge, a node delete's cascade) announce themselves with `deployments_changed`.
   */
  private listCache: { writes: number; rows: repo.DeploymentRow[] } | null = null;
  private outsideWrites = 0;
  private watching = false;

  private async cachedRows(): Promise<repo.DeploymentRow[]> {
    if (!this.watching) {
      this.watching = true;
      this.bus.on('deployments_changed', () => this.outsideWrites++);
    }
    const writes = repo.deploymentWrites() + this.outsideWrites;
    if (this.listCache?.writes !== writes) this.listCache = { writes, rows: await this.rows() };
    return this.listCache.rows;
  }

  /** Every deployment, newest first, with live figures. */
  async presentAll(): Promise<DeploymentRead[]> {
    const [rows, nodes] = await Promise.all([this.cachedRows(), this.nodes.rows()]);
    const host = new Map(nodes.map((n) => [n.id, n.hostname]));
    return rows.map((r) => presentDeployment(r, this.liveOf(r.id), host.get(r.node_id) ?? null));
  }

  /**
   * Writes a patch; a new `status` stamps `status_changed_at`, and a healthy one clears
   * `last_error` unless the patch sets it.
   */
  async update(id: number, patch: repo.DeploymentUpdate): Promise<repo.DeploymentRow | undefined> {
    const p = { ...patch };
    if (p.status !== undefined) {
      const before = await repo.getDeployment(this.db, id);
      if (before && before.status !== p.status) p.status_changed_at = this.nowIso();
      if (HEALTHY.has(p.status as DeploymentStatus) && p.last_error === undefined) {
        p.last_error = null;
        p.error_code = null;
      }
    }
    return repo.updateDeployment(this.db, id, p);
  }

  /** Sets a status (and the error that explains it). */
  setStatus(
    id: number,
    status: DeploymentStatus,
    error?: string | null,
  ): Promise<repo.DeploymentRow | undefined> {
    return this.update(id, { status, ...(error !== undefined && { last_error: error }) });
  }

  /** Announces rows that changed (and ids that are gone) with the rows themselves. */
  async emit(ids: readonly number[], deleted: readonly number[] = []): Promise<void> {
    if (ids.length === 0 && deleted.length === 0) return;
    const rows = (await Promise.all(ids.map((id) => repo.getDeployment(this.db, id)))).filter(
      (r): r is repo.DeploymentRow => r !== undefined,
    );
    const deployments = await Promise.all(rows.map((r) => this.present(r)));
    this.bus.emit({
      type: 'deployments_changed',
      ids: [...ids, ...deleted],
      deployments,
      deleted: [...deleted],
    });
  }

  /** The state a client would see, to compare before and after a tick. */
  async visible(row: repo.DeploymentRow): Promise<string> {
    return visibleState(await this.present(row));
  }

  statusOf(row: repo.DeploymentRow): DeploymentStatus {
    return statusOf(row);
  }
}
