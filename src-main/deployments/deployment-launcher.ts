import type { AgentClient } from '../agent-client/agent-client.js';
import { maintenanceGpus } from '../nodes/node-presenter.js';
import type { NodeRow } from '../nodes/node.repository.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { LaunchRequest, LaunchResult } from '../shared/agent-protocol/deployments.js';
import type { DeploymentRead, DeploymentStart } from '../shared/deployments.js';
import { badRequest, conflict, errorMessage } from '../shared/errors.js';
import { isWarmLaunch } from '../shared/vllm-args.js';
import { engineArgsOf, envVarsOf, gpuIdsOf, loraOf, statusOf } from './deployment-presenter.js';
import type { DeploymentStore } from './deployment-store.js';
import * as repo from './deployment.repository.js';
import { isActive, pausedStatus, requireAction } from './lifecycle.js';
import { placeGpus } from './placement.js';
import { aliasConflict, primaryAliases } from './served-names.js';

/** A started deployment and the models its launch offloaded to make room. */
export type StartResult = DeploymentRead & {
  offloaded: { deployment_id: number | null; model_name: string; tier: 'ram' | 'disk' | 'stop' }[];
};

/** The launch fields as stored (and sent again on restart). */
type LaunchFields = Omit<
  DeploymentStart,
  'node_id' | 'owner' | 'skip_resource_check' | 'container_runtime'
>;

/**
 * Starting and restarting deployments (behaviour.md §2.2, §2.12): the checks in the reference's
 * order (node, maintenance, port, served names, runtime), automatic GPU placement, the row
 * reserved (its port held by the unique index) before the agent is called, then the agent's
 * answer recorded. Checks and reservation on one node run one at a time.
 */
export class DeploymentLauncher {
  private readonly nodeLocks = new Map<number, Promise<unknown>>();

  constructor(
    private readonly store: DeploymentStore,
    private readonly agents: AgentClient,
    private readonly settings: SettingsService,
  ) {}

  private async locked<T>(nodeId: number, fn: () => Promise<T>): Promise<T> {
    const prev = this.nodeLocks.get(nodeId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    this.nodeLocks.set(
      nodeId,
      run.catch(() => undefined),
    );
    return run;
  }

  /** `POST /api/deployments/start`. */
  async start(req: DeploymentStart): Promise<StartResult> {
    const node = await this.store.nodes.require(req.node_id);
    const row = await this.locked(node.id, async () => {
      const checked = await this.check(node, req, null);
      return this.reserve(
        () =>
          repo.insertDeployment(this.store.db, {
            ...this.storedFields(req),
            node_id: node.id,
            owner: req.owner,
            gpu_ids: checked.gpuIds === null ? null : JSON.stringify(checked.gpuIds),
            container_runtime: checked.runtime,
            warm: isWarmLaunch(node.warm_offload_enabled === 1, req.engine_args) ? 1 : 0,
            status: 'starting',
            status_changed_at: this.store.nowIso(),
            created_at: this.store.nowIso(),
          }),
        node,
        req.port,
      );
    });
    await this.store.emit([row.id]);
    return this.launch(node, row, req.skip_resource_check);
  }

  /** `POST /api/deployments`: stores a deployment without launching it (status `stopped`). */
  async create(req: DeploymentStart): Promise<DeploymentRead> {
    const node = await this.store.nodes.require(req.node_id);
    const row = await repo.insertDeployment(this.store.db, {
      ...this.storedFields(req),
      node_id: node.id,
      owner: req.owner,
      gpu_ids: req.gpu_ids ? JSON.stringify(req.gpu_ids) : null,
      container_runtime: req.container_runtime ?? null,
      warm: 0,
      status: 'stopped',
      status_changed_at: this.store.nowIso(),
      created_at: this.store.nowIso(),
    });
    await this.store.emit([row.id]);
    return this.store.present(row);
  }

  /** `POST /{id}/restart`: the same id, its stored config, the checks run again. */
  async restart(
    id: number,
    body: { owner: string; duration_seconds?: number | null | undefined },
  ): Promise<StartResult> {
    const existing = await this.store.require(id);
    requireAction(statusOf(existing), 'restart', id);
    const node = await this.store.nodes.require(existing.node_id);
    const req = this.requestOf(existing, body);
    const row = await this.locked(node.id, async () => {
      const current = await this.store.require(id);
      requireAction(statusOf(current), 'restart', id);
      const checked = await this.check(node, req, current);
      return this.reserve(
        async () =>
          (await this.store.update(id, {
            owner: body.owner,
            duration_seconds: body.duration_seconds ?? null,
            expires_at: null,
            gpu_ids: checked.gpuIds === null ? null : JSON.stringify(checked.gpuIds),
            container_runtime: checked.runtime,
            warm: isWarmLaunch(node.warm_offload_enabled === 1, req.engine_args) ? 1 : 0,
            pause_tier: null,
            detail: null,
            status: 'starting',
            last_error: null,
            error_code: null,
          })) ?? current,
        node,
        current.port,
      );
    });
    this.store.usageSeen.delete(id);
    await this.store.emit([id]);
    return this.launch(node, row, false);
  }

  private storedFields(req: LaunchFields) {
    return {
      model_name: req.model_name,
      served_model_name: null,
      port: req.port,
      gpu_memory_fraction: req.gpu_memory_fraction,
      tensor_parallel_size: req.tensor_parallel_size ?? null,
      extra_args: JSON.stringify(req.extra_args),
      env_vars: JSON.stringify(req.env_vars),
      vllm_version: req.vllm_version ?? null,
      extra_packages: JSON.stringify(req.extra_packages),
      engine_args: JSON.stringify(req.engine_args ?? {}),
      lora_modules: JSON.stringify(req.lora_modules ?? []),
      max_failed_restarts: req.max_failed_restarts ?? null,
      pinned: req.pinned ? 1 : 0,
      duration_seconds: req.duration_seconds ?? null,
      total_prompt_tokens: 0,
      total_completion_tokens: 0,
      total_requests: 0,
    };
  }

  /** A stored deployment as a start request (restart sends the same config). */
  private requestOf(
    row: repo.DeploymentRow,
    body: { owner: string; duration_seconds?: number | null | undefined },
  ): DeploymentStart {
    return {
      node_id: row.node_id,
      model_name: row.model_name,
      port: row.port,
      gpu_memory_fraction: row.gpu_memory_fraction,
      gpu_ids: gpuIdsOf(row),
      tensor_parallel_size: row.tensor_parallel_size,
      extra_args: JSON.parse(row.extra_args) as string[],
      env_vars: envVarsOf(row),
      vllm_version: row.vllm_version,
      extra_packages: JSON.parse(row.extra_packages) as string[],
      engine_args: engineArgsOf(row),
      lora_modules: loraOf(row),
      max_failed_restarts: row.max_failed_restarts,
      owner: body.owner,
      duration_seconds: body.duration_seconds ?? null,
      pinned: row.pinned === 1,
      skip_resource_check: false,
      container_runtime:
        row.container_runtime === 'docker' ||
        row.container_runtime === 'podman' ||
        row.container_runtime === 'process'
          ? row.container_runtime
          : null,
    };
  }

  /** Inserts or updates the reserved row; the port's unique index turns a race into a 409. */
  private async reserve(
    write: () => Promise<repo.DeploymentRow>,
    node: NodeRow,
    port: number,
  ): Promise<repo.DeploymentRow> {
    try {
      return await write();
    } catch (err) {
      if (repo.isUniqueViolation(err))
        throw conflict(`Port ${port} was just claimed by another deployment on ${node.hostname}.`);
      throw err;
    }
  }

  /** The reference's launch checks, in order; returns the GPUs and runtime to use. */
  private async check(
    node: NodeRow,
    req: DeploymentStart,
    self: repo.DeploymentRow | null,
  ): Promise<{ gpuIds: number[] | null; runtime: string }> {
    const nodeRead = this.store.nodes.present(node);
    const gpus = nodeRead.gpu_usage;
    const cordoned = maintenanceGpus(node);
    if (nodeRead.maintenance)
      throw conflict(`Node ${node.hostname} is in maintenance mode; no new deployments.`);
    const requested = req.gpu_ids ?? null;
    if (requested !== null) {
      const unknown =
        gpus.length > 0 ? requested.filter((g) => !gpus.some((x) => x.index === g)) : [];
      if (unknown.length > 0)
        throw badRequest(
          `GPU id(s) [${unknown.join(', ')}] not available on ${node.hostname}; it has ${gpus.length} GPU(s).`,
        );
      const blocked = requested.filter((g) => cordoned.includes(g));
      if (blocked.length > 0)
        throw conflict(
          `GPU(s) [${blocked.join(', ')}] on ${node.hostname} are in maintenance; available: [${gpus
            .map((g) => g.index)
            .filter((g) => !cordoned.includes(g))
            .join(', ')}].`,
        );
    }
    const others = (await repo.listByNode(this.store.db, node.id)).filter(
      (r) => r.id !== self?.id && isActive(statusOf(r)),
    );
    const taken = others.find((r) => r.port === req.port);
    if (taken)
      throw conflict(
        `Port ${req.port} is already in use on ${node.hostname} by deployment ${taken.id} (${taken.model_name}).`,
      );
    const clash = aliasConflict(
      primaryAliases(req.model_name, req.engine_args, req.lora_modules),
      (await this.activeAliasOwners()).filter((o) => o.id !== self?.id),
    );
    if (clash)
      throw conflict(
        `Served name '${clash.alias}' is already in use by deployment ${clash.owner.id} (${clash.owner.model_name}). Choose a different served model name.`,
      );
    const runtime = this.resolveRuntime(
      node,
      nodeRead.available_runtimes,
      req.container_runtime ?? null,
      self,
    );
    let gpuIds = requested;
    if (gpuIds === null && gpus.length > 0) {
      const count = req.tensor_parallel_size ?? 1;
      gpuIds = placeGpus(
        gpus,
        cordoned,
        others.map((r) => ({ gpu_ids: gpuIdsOf(r), fraction: r.gpu_memory_fraction })),
        count,
      );
      if (gpuIds === null)
        throw conflict(
          `${node.hostname} has ${gpus.length - cordoned.length} GPU(s) out of maintenance; ${count} are needed (tensor_parallel_size).`,
        );
    }
    return { gpuIds, runtime };
  }

  /** Served names (and LoRA names) of every active deployment, for the uniqueness check. */
  async activeAliasOwners(): Promise<{ id: number; model_name: string; aliases: string[] }[]> {
    return (await this.store.rows())
      .filter((r) => isActive(statusOf(r)))
      .map((r) => ({
        id: r.id,
        model_name: r.model_name,
        aliases: primaryAliases(r.model_name, engineArgsOf(r), loraOf(r)),
      }));
  }

  /** The node's override if it has it, the explicit request, the preferred setting, the first. */
  private resolveRuntime(
    node: NodeRow,
    available: readonly string[],
    requested: string | null,
    self: repo.DeploymentRow | null,
  ): string {
    if (available.length === 0)
      throw conflict(
        `${node.hostname} has no container runtime available — install Docker or enable the Podman socket on the node.`,
      );
    if (requested !== null) {
      if (!available.includes(requested))
        throw conflict(
          `Container runtime '${requested}' is not available on ${node.hostname} (available: ${available.join(', ')}).`,
        );
      return requested;
    }
    // A restart keeps its runtime while the node still has it.
    if (self?.container_runtime && available.includes(self.container_runtime))
      return self.container_runtime;
    if (node.container_runtime && available.includes(node.container_runtime))
      return node.container_runtime;
    const preferred = this.settings.get().preferred_container_runtime;
    return available.includes(preferred) ? preferred : (available[0] ?? preferred);
  }

  /** Calls the agent for a reserved row and records its answer (error or `loading`). */
  private async launch(
    node: NodeRow,
    row: repo.DeploymentRow,
    skipResourceCheck: boolean,
  ): Promise<StartResult> {
    const launch: LaunchRequest = {
      model_name: row.model_name,
      port: row.port,
      gpu_memory_fraction: row.gpu_memory_fraction,
      gpu_ids: gpuIdsOf(row),
      tensor_parallel_size: row.tensor_parallel_size,
      extra_args: JSON.parse(row.extra_args) as string[],
      env_vars: envVarsOf(row),
      vllm_version: row.vllm_version,
      extra_packages: JSON.parse(row.extra_packages) as string[],
      engine_args: engineArgsOf(row),
      lora_modules: loraOf(row),
      max_failed_restarts: row.max_failed_restarts,
      owner: row.owner,
      duration_seconds: row.duration_seconds,
      expires_at:
        row.duration_seconds === null
          ? null
          : new Date(this.store.clock.now() + row.duration_seconds * 1000).toISOString(),
      container_runtime:
        row.container_runtime === 'docker' ||
        row.container_runtime === 'podman' ||
        row.container_runtime === 'process'
          ? row.container_runtime
          : null,
      warm_offload: row.warm === 1,
      pinned: row.pinned === 1,
      skip_resource_check: skipResourceCheck,
    };
    let result: LaunchResult;
    try {
      result = await this.agents.call(this.store.nodes.addressOf(node), 'start', { body: launch });
    } catch (err) {
      await this.store.setStatus(row.id, 'error', errorMessage(err));
      await this.store.emit([row.id]);
      throw err;
    }
    const current = await this.store.require(row.id);
    const updated =
      (await this.store.update(row.id, {
        vllm_version: result.vllm_version || row.vllm_version,
        // The sync loop may already have seen it further along (or stopped).
        ...(statusOf(current) === 'starting' && { status: 'loading' }),
      })) ?? current;
    const offloaded = await this.offloadedRows(node, result.offloaded);
    await this.store.emit([
      row.id,
      ...offloaded.flatMap((o) => (o.deployment_id === null ? [] : [o.deployment_id])),
    ]);
    return { ...(await this.store.present(updated)), offloaded };
  }

  /** The agent's offload list as deployment ids; paused and demoted ones show their tier at once. */
  private async offloadedRows(
    node: NodeRow,
    items: LaunchResult['offloaded'],
  ): Promise<StartResult['offloaded']> {
    if (items.length === 0) return [];
    const rows = await repo.listByNode(this.store.db, node.id);
    const out: StartResult['offloaded'] = [];
    for (const item of items) {
      const r = rows.find((x) => this.store.keyOf(x) === item.key);
      const stopped = item.action === 'stopped';
      if (r && isActive(statusOf(r)))
        await this.store.update(
          r.id,
          stopped
            ? { status: 'stopped', pause_tier: null }
            : { status: pausedStatus(item.tier), pause_tier: item.tier },
        );
      out.push({
        deployment_id: r?.id ?? null,
        model_name: item.model_name,
        tier: stopped ? 'stop' : item.tier,
      });
    }
    return out;
  }
}
