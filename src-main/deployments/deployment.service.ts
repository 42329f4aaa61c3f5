import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { AgentClient } from '../agent-client/agent-client.js';
import { createLogger } from '../logging/logger.js';
import type {
  DeploymentManifest,
  DeploymentPlanRead,
  DeploymentRead,
  DeploymentExtend,
  PauseTier,
} from '../shared/deployments.js';
import { conflict, errorMessage } from '../shared/errors.js';
import { RelayedError } from '../shared/node/http-errors.js';
import { gpuIdsOf, statusOf } from './deployment-presenter.js';
import type { DeploymentLauncher } from './deployment-launcher.js';
import type { DeploymentStore } from './deployment-store.js';
import * as repo from './deployment.repository.js';
import { isActive, pausedStatus, requireAction } from './lifecycle.js';
import { toManifest } from './manifest.js';
import { suggestName } from './served-names.js';

const log = createLogger('agent');

/**
 * The deployment operations of the API (behaviour.md §2.12, §3): reads, stop, pause and resume,
 * pin, extend, delete, plan, manifests, logs and the served-name check. Launches are the
 * launcher's; every status decision is `lifecycle.ts`'s.
 */
export class DeploymentService {
  constructor(
    private readonly store: DeploymentStore,
    private readonly launcher: DeploymentLauncher,
    private readonly agents: AgentClient,
  ) {}

  list(): Promise<DeploymentRead[]> {
    return this.store.presentAll();
  }

  async read(id: number): Promise<DeploymentRead> {
    return this.store.present(await this.store.require(id));
  }

  private async agentOf(row: repo.DeploymentRow) {
    const node = await this.store.nodes.require(row.node_id);
    return { node, address: this.store.nodes.addressOf(node), key: this.store.keyOf(row) };
  }

  /** `POST /stop/{id}`: `stopping` now, the agent stops it in the background; `stopped` at the next tick. */
  async stop(id: number): Promise<DeploymentRead> {
    const row = await this.store.require(id);
    if (requireAction(statusOf(row), 'stop', id)) return this.store.present(row);
    const { address, key } = await this.agentOf(row);
    await this.store.update(id, { status: 'stopping', expires_at: null });
    await this.store.emit([id]);
    try {
      await this.agents.call(address, 'stop', { body: { key } });
    } catch (err) {
      // The agent no longer knows it (it already ended): nothing runs, so it is stopped.
      if (err instanceof RelayedError && err.status === 404) {
        await this.store.setStatus(id, 'stopped');
        await this.store.emit([id]);
      } else {
        await this.store.update(id, { status: row.status, expires_at: row.expires_at });
        await this.store.emit([id]);
        throw err;
      }
    }
    return this.read(id);
  }

  /**
   * Best-effort stop for expiry, drain and the like: the final status is stamped at once, the
   * agent is told, and its errors are logged, not thrown.
   */
  async stopBestEffort(id: number, finalStatus: 'stopped' | 'expired'): Promise<void> {
    const row = await repo.getDeployment(this.store.db, id);
    if (!row) return;
    await this.store.update(id, { status: finalStatus, detail: null });
    await this.store.emit([id]);
    try {
      const { address, key } = await this.agentOf(row);
      await this.agents.call(address, 'stop', { body: { key } });
    } catch (err) {
      log.warn('best-effort stop failed', { deployment_id: id, error: errorMessage(err) });
    }
  }

  /**
   * `POST /{id}/pause`: to `ram` (sleep level 1), `disk` (level 2; also moves a RAM-paused model
   * to disk) or, with no tier, RAM while the node's budget allows, else disk. Pinned deployments
   * are never paused (409).
   */
  async pause(id: number, tier: PauseTier | null | undefined): Promise<DeploymentRead> {
    const row = await this.store.require(id);
    requireAction(statusOf(row), 'pause', id);
    if (row.pinned === 1) throw conflict('Cannot pause a pinned deployment. Unpin it first.');
    if (row.pause_tier !== null && (tier === undefined || tier === null || tier === row.pause_tier))
      return this.store.present(row);
    const { address, key } = await this.agentOf(row);
    const r = await this.agents.call(address, 'pause', { body: { key, tier: tier ?? 'auto' } });
    if (r.status === 'skipped' || r.tier === null)
      throw conflict(
        'The node has no RAM cache budget left for this model; resume or stop a paused model, or raise the RAM cache limit.',
      );
    await this.store.update(id, { status: pausedStatus(r.tier), pause_tier: r.tier });
    await this.store.emit([id]);
    return this.read(id);
  }

  /** `POST /{id}/resume`: wakes a paused model (the agent makes room first). */
  async resume(id: number): Promise<DeploymentRead> {
    const row = await this.store.require(id);
    if (requireAction(statusOf(row), 'resume', id)) return this.store.present(row);
    const { address, key } = await this.agentOf(row);
    await this.agents.call(address, 'resume', { body: { key } });
    await this.store.update(id, { status: 'running', pause_tier: null });
    await this.store.emit([id]);
    return this.read(id);
  }

  /** `POST /{id}/pin`: stored, and pushed to the agent (best effort; the sync pushes every tick). */
  async pin(id: number, pinned: boolean): Promise<DeploymentRead> {
    const row = await this.store.require(id);
    await this.store.update(id, { pinned: pinned ? 1 : 0 });
    await this.store.emit([id]);
    if (isActive(statusOf(row))) {
      const { address, key } = await this.agentOf(row);
      await this.agents
        .call(address, 'pin', { body: { key, pinned } })
        .catch((err: unknown) =>
          log.warn('could not push a pin', { deployment_id: id, error: errorMessage(err) }),
        );
    }
    return this.read(id);
  }

  /** `POST /{id}/extend`: moves the deadline (or drops it); the agent gets it too (best effort). */
  async extend(id: number, body: DeploymentExtend): Promise<DeploymentRead> {
    const row = await this.store.require(id);
    requireAction(statusOf(row), 'extend', id);
    let expires: string | null;
    let duration: number | null;
    if (body.infinite) {
      expires = null;
      duration = null;
    } else {
      const add = Math.round((body.hours ?? 0) * 3600);
      if (row.expires_at !== null) {
        expires = new Date(Date.parse(row.expires_at) + add * 1000).toISOString();
        duration = (row.duration_seconds ?? 0) + add;
      } else if (row.duration_seconds !== null) {
        expires = null;
        duration = row.duration_seconds + add;
      } else throw conflict('Deployment has no expiry to extend.');
    }
    await this.store.update(id, { expires_at: expires, duration_seconds: duration });
    await this.store.emit([id]);
    const { address, key } = await this.agentOf(row);
    await this.agents
      .call(address, 'extend', { body: { key, expires_at: expires, duration_seconds: duration } })
      .catch((err: unknown) =>
        log.warn('could not push a deadline', { deployment_id: id, error: errorMessage(err) }),
      );
    return this.read(id);
  }

  /** `DELETE /{id}`: only a deployment that no longer runs (409 "stop it first"). */
  async remove(id: number): Promise<{ status: 'deleted'; id: number }> {
    const row = await this.store.require(id);
    requireAction(statusOf(row), 'delete', id);
    await repo.deleteDeployment(this.store.db, id);
    this.store.forget(id);
    await this.store.emit([], [id]);
    return { status: 'deleted', id };
  }

  /** `POST /plan`: which warm models a deploy would offload; never blocks the caller on an agent error. */
  async plan(req: {
    node_id: number;
    model_name: string;
    port: number;
    gpu_memory_fraction: number;
    gpu_ids?: number[] | null | undefined;
  }): Promise<DeploymentPlanRead> {
    const node = await this.store.nodes.require(req.node_id);
    if (node.warm_offload_enabled !== 1)
      return { fits: true, warm_enabled: false, would_offload: [], blocked_reason: null };
    let plan;
    try {
      plan = await this.agents.call(this.store.nodes.addressOf(node), 'plan', {
        body: {
          model_name: req.model_name,
          port: req.port,
          gpu_memory_fraction: req.gpu_memory_fraction,
          gpu_ids: req.gpu_ids ?? null,
        },
      });
    } catch (err) {
      log.warn('plan failed; the deploy path checks capacity for real', {
        error: errorMessage(err),
      });
      return { fits: true, warm_enabled: true, would_offload: [], blocked_reason: null };
    }
    const rows = await repo.listByNode(this.store.db, node.id);
    return {
      fits: plan.fits,
      warm_enabled: true,
      would_offload: plan.plan.map((item) => ({
        deployment_id: rows.find((r) => this.store.keyOf(r) === item.key)?.id ?? null,
        model_name: item.model_name,
        tier: item.action === 'stop' ? 'stop' : item.tier,
      })),
      blocked_reason: plan.fits ? null : plan.reason,
    };
  }

  /** `GET /{id}/manifest`. */
  async manifest(id: number): Promise<DeploymentManifest> {
    const row = await this.store.require(id);
    const d = await this.store.present(row);
    const node = await this.store.nodes.findById(row.node_id);
    const gpus = node ? this.store.nodes.present(node).gpu_usage : [];
    const ids = gpuIdsOf(row);
    const names = gpus.filter((g) => ids === null || ids.includes(g.index)).map((g) => g.name);
    return toManifest(d, names);
  }

  /** `GET /{id}/logs?tail`: the agent's tail of the run log (empty when it has none). */
  async logs(id: number, tail: number): Promise<{ key: string; lines: string[] }> {
    const row = await this.store.require(id);
    const { address, key } = await this.agentOf(row);
    try {
      return await this.agents.call(address, 'logs', { query: { key, tail: String(tail) } });
    } catch (err) {
      if (err instanceof RelayedError && err.status === 404) return { key, lines: [] };
      throw err;
    }
  }

  /** `GET /{id}/logs/download`: the whole persisted run log, streamed through. */
  async downloadLogs(id: number, res: ServerResponse): Promise<void> {
    const row = await this.store.require(id);
    const { address, key } = await this.agentOf(row);
    const reply = await this.agents.stream(address, 'logsDownload', { query: { key } });
    if (reply.status >= 400) {
      const text = await new Response(reply.body as unknown as ReadableStream)
        .text()
        .catch(() => '');
      throw new RelayedError(reply.status, { detail: parseDetail(text) });
    }
    const name = `${row.model_name.replace(/\//g, '--')}-${row.port}.log`;
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
    });
    await pipeline(reply.body, res);
  }

  /** `GET /served-name/check`: free, or who holds it and a free suggestion. */
  async servedNameCheck(
    name: string,
    excludeId: number | undefined,
  ): Promise<{
    available: boolean;
    conflict_id?: number;
    conflict_model?: string;
    suggestion?: string;
  }> {
    const owners = (await this.launcher.activeAliasOwners()).filter((o) => o.id !== excludeId);
    const holder = owners.find((o) => o.aliases.includes(name));
    if (!holder) return { available: true };
    const taken = new Set(owners.flatMap((o) => o.aliases));
    return {
      available: false,
      conflict_id: holder.id,
      conflict_model: holder.model_name,
      suggestion: suggestName(name, taken),
    };
  }

  /** Drain: stops (best effort) the active deployments of a node whose GPUs meet `gpus`. */
  async drain(nodeId: number, gpus: readonly number[]): Promise<number[]> {
    const rows = await repo.listByNode(this.store.db, nodeId);
    const hit = rows.filter((r) => {
      if (!isActive(statusOf(r))) return false;
      const ids = gpuIdsOf(r);
      return ids === null || ids.some((g) => gpus.includes(g));
    });
    for (const r of hit) await this.stopBestEffort(r.id, 'stopped');
    return hit.map((r) => r.id);
  }
}

function parseDetail(text: string): string {
  try {
    const j = JSON.parse(text) as { detail?: unknown };
    if (typeof j.detail === 'string') return j.detail;
  } catch {
    // not JSON
  }
  return text.slice(0, 200) || 'the agent could not send the log';
}
