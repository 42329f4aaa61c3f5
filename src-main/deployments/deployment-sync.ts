import type { AgentClient } from '../agent-client/agent-client.js';
import type { Logger } from '../logging/logger.js';
import { maintenanceGpus } from '../nodes/node-presenter.js';
import type { NodeRow } from '../nodes/node.repository.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { StatusEntry } from '../shared/agent-protocol/deployments.js';
import { errorMessage } from '../shared/errors.js';
import { mapLimit } from '../shared/map-limit.js';
import { gpuIdsOf, statusOf, type DeploymentLive } from './deployment-presenter.js';
import type { DeploymentStore } from './deployment-store.js';
import * as repo from './deployment.repository.js';
import { isActive, isLaunching, notificationFor, observe, type Observation } from './lifecycle.js';
import type { LifecycleNotice, Notifier } from './notifier.js';
import {
  deploymentError,
  deploymentExpired,
  deploymentRunning,
} from '../webhooks/webhook-notifications.js';
import { foldUsage } from './usage-fold.js';

const CONCURRENCY = 16;

/** What one look at a node gave; `seq` orders the looks, so an older one never overwrites a newer. */
type Poll = ({ ok: true; entries: StatusEntry[] } | { ok: false; error: string }) & { seq: number };

/**
 * One deployment sync tick (behaviour.md §2.15): poll every node's status entries, push the pin
 * set, move each deployment along what its agent reports (or does not), fold usage, start leases,
 * adopt deployments the database does not know, then announce the rows that changed and the
 * lifecycle notices — after the writes.
 */
export class DeploymentSync {
  private readonly failures = new Map<number, number>();
  private seq = 0;
  /** Per node, the `seq` of the newest look applied. */
  private readonly applied = new Map<number, number>();

  constructor(
    private readonly deps: {
      store: DeploymentStore;
      agents: AgentClient;
      settings: SettingsService;
      logger: Logger;
      notify: Notifier;
    },
  ) {}

  async tick(): Promise<void> {
    const { store } = this.deps;
    const [nodes, rows] = await Promise.all([store.nodes.rows(), store.rows()]);
    const polls = await mapLimit(nodes, CONCURRENCY, (n) => this.poll(n, rows));
    const changed: number[] = [];
    const notices: LifecycleNotice[] = [];
    for (const [i, node] of nodes.entries()) {
      const poll = polls[i];
      if (poll)
        await this.applyNode(
          node,
          poll,
          rows.filter((r) => r.node_id === node.id),
          changed,
          notices,
        );
    }
    await store.emit([...new Set(changed)]);
    for (const n of notices) this.deps.notify(n);
  }

  /**
   * Syncs one node now, outside the tick: after a launch, or when the node's status watch answered
   * (`entries`: what it answered, so the node is not asked twice).
   */
  async syncNode(nodeId: number, entries?: StatusEntry[]): Promise<void> {
    const seq = ++this.seq;
    const node = await this.deps.store.nodes.findById(nodeId);
    if (!node) return;
    const rows = await repo.listByNode(this.deps.store.db, nodeId);
    const changed: number[] = [];
    const notices: LifecycleNotice[] = [];
    const poll: Poll = entries ? { ok: true, entries, seq } : await this.poll(node, rows);
    await this.applyNode(node, poll, rows, changed, notices);
    await this.deps.store.emit([...new Set(changed)]);
    for (const n of notices) this.deps.notify(n);
  }

  private async poll(node: NodeRow, rows: readonly repo.DeploymentRow[]): Promise<Poll> {
    const seq = ++this.seq;
    const { agents, store } = this.deps;
    const address = store.nodes.addressOf(node);
    try {
      const { deployments } = await agents.call(address, 'status', {});
      // The control plane's pin set is authoritative (behaviour.md §3.6).
      const pins = rows
        .filter((r) => r.node_id === node.id && r.pinned === 1 && isActive(statusOf(r)))
        .map((r) => store.keyOf(r));
      await agents.call(address, 'config', { body: { pins } }).catch((err: unknown) =>
        this.deps.logger.warn('could not push the pin set', {
          node: node.hostname,
          error: errorMessage(err),
        }),
      );
      return { ok: true, entries: deployments, seq };
    } catch (err) {
      return { ok: false, error: errorMessage(err), seq };
    }
  }

  private async applyNode(
    node: NodeRow,
    poll: Poll,
    rows: repo.DeploymentRow[],
    changed: number[],
    notices: LifecycleNotice[],
  ): Promise<void> {
    // A tick's poll that a watch-triggered sync overtook must not put the older state back.
    if (poll.seq < (this.applied.get(node.id) ?? 0)) return;
    this.applied.set(node.id, poll.seq);
    const threshold = this.deps.settings.get().deployment_failure_threshold;
    let unreachable = false;
    if (!poll.ok) {
      const n = (this.failures.get(node.id) ?? 0) + 1;
      this.failures.set(node.id, n);
      // Below the threshold a node's deployments keep their status: one lost poll is not an outage.
      if (n < threshold) return;
      unreachable = true;
    } else this.failures.set(node.id, 0);
    const entries = poll.ok ? poll.entries : [];
    const byKey = new Map(entries.map((e) => [e.key, e]));
    const owner = this.owners(rows);
    const cordoned = maintenanceGpus(node);
    const fullCordon = this.deps.store.nodes.present(node).maintenance;
    for (const row of rows) {
      const key = this.deps.store.keyOf(row);
      const entry = owner.get(key) === row.id ? byKey.get(key) : undefined;
      const gpus = gpuIdsOf(row);
      const obs: Observation = unreachable
        ? {
            kind: 'unreachable',
            cordoned:
              fullCordon ||
              (gpus !== null && gpus.length > 0 && gpus.every((g) => cordoned.includes(g))),
          }
        : entry
          ? { kind: 'reported', entry }
          : { kind: 'absent' };
      await this.applyRow(node, row, obs, changed, notices);
    }
    if (poll.ok) await this.adopt(node, entries, rows, changed);
  }

  /** Which row an agent key belongs to: the active row with that key, else the newest. */
  private owners(rows: readonly repo.DeploymentRow[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of [...rows].sort((a, b) => a.id - b.id)) {
      const key = this.deps.store.keyOf(r);
      const current = rows.find((x) => x.id === out.get(key));
      if (!current || !isActive(statusOf(current)) || isActive(statusOf(r))) out.set(key, r.id);
    }
    return out;
  }

  private async applyRow(
    node: NodeRow,
    row: repo.DeploymentRow,
    obs: Observation,
    changed: number[],
    notices: LifecycleNotice[],
  ): Promise<void> {
    const { store, settings } = this.deps;
    const before = await store.visible(row);
    const from = statusOf(row);
    const outcome = observe({ status: from, status_changed_at: row.status_changed_at }, obs, {
      now: store.clock.now(),
      startTimeoutSeconds: settings.get().start_timeout_seconds,
      hostname: node.hostname,
      key: store.keyOf(row),
    });
    const patch: repo.DeploymentUpdate = {};
    if (outcome) {
      patch.status = outcome.status;
      if (outcome.last_error !== undefined) patch.last_error = outcome.last_error;
    }
    const to = outcome?.status ?? from;
    if (obs.kind === 'reported') Object.assign(patch, this.fromEntry(row, obs.entry, to));
    else if (obs.kind === 'absent' && !isActive(to)) store.setLive(row.id, this.liveFrom(null, to));
    const updated = Object.keys(patch).length > 0 ? await store.update(row.id, patch) : row;
    if (!updated) return;
    if ((await store.visible(updated)) !== before) changed.push(row.id);
    const event = notificationFor(from, to);
    if (event) notices.push(this.notice(event, node, updated));
  }

  /** What an agent's status entry sets on the row (besides the status). */
  private fromEntry(
    row: repo.DeploymentRow,
    e: StatusEntry,
    to: ReturnType<typeof statusOf>,
  ): repo.DeploymentUpdate {
    const { store } = this.deps;
    const patch: repo.DeploymentUpdate = {
      detail: isLaunching(to) ? (e.phase?.slice(0, 64) ?? null) : null,
      pause_tier: e.pause_tier,
      error_code: e.error_code,
      warm: e.warm ? 1 : 0,
    };
    if (!row.vllm_version && e.vllm_version) patch.vllm_version = e.vllm_version;
    if (e.image_digest && e.image_digest !== row.image_digest) patch.image_digest = e.image_digest;
    // The lease starts when the deployment is first seen ready: the agent's deadline (counted
    // from its readiness), or now + duration.
    if (row.expires_at === null && row.duration_seconds !== null && to === 'running')
      patch.expires_at =
        e.expires_at ?? new Date(store.clock.now() + row.duration_seconds * 1000).toISOString();
    if (e.usage) {
      const seen = store.usageSeen.get(row.id) ?? null;
      const zero =
        row.total_prompt_tokens === 0 &&
        row.total_completion_tokens === 0 &&
        row.total_requests === 0;
      const add = foldUsage(seen, e.usage, zero);
      store.usageSeen.set(row.id, {
        prompt_tokens: e.usage.prompt_tokens,
        generation_tokens: e.usage.generation_tokens,
        requests: e.usage.requests,
      });
      if (add.prompt_tokens || add.generation_tokens || add.requests) {
        patch.total_prompt_tokens = row.total_prompt_tokens + add.prompt_tokens;
        patch.total_completion_tokens = row.total_completion_tokens + add.generation_tokens;
        patch.total_requests = row.total_requests + add.requests;
      }
      if (e.usage.prompt_tps !== undefined) patch.prompt_tps = e.usage.prompt_tps;
      if (e.usage.generation_tps !== undefined) patch.generation_tps = e.usage.generation_tps;
    }
    store.setLive(row.id, this.liveFrom(e, to));
    return patch;
  }

  private liveFrom(e: StatusEntry | null, to: ReturnType<typeof statusOf>): DeploymentLive {
    const u = e?.usage ?? null;
    return {
      prompt_tps: u?.prompt_tps ?? null,
      generation_tps: u?.generation_tps ?? null,
      prompt_throughput: u?.prompt_throughput ?? null,
      generation_throughput: u?.generation_throughput ?? null,
      requests_running: e?.requests_running ?? u?.requests_running ?? null,
      requests_waiting: u?.requests_waiting ?? null,
      pull_percent: e && isLaunching(to) ? (e.pull_progress?.percent ?? null) : null,
    };
  }

  private notice(
    event: 'deployment_running' | 'deployment_error' | 'deployment_expired',
    node: NodeRow,
    row: repo.DeploymentRow,
  ): LifecycleNotice {
    const place = {
      deployment_id: row.id,
      model: row.model_name,
      host: node.hostname,
      port: row.port,
    };
    if (event === 'deployment_running') return deploymentRunning(place);
    if (event === 'deployment_expired') return deploymentExpired(place);
    const status = row.status === 'unreachable' ? 'unreachable' : 'error';
    return deploymentError({ ...place, status, error: row.last_error });
  }

  /**
   * Adopts what the agent runs and the database does not know (behaviour.md §2.14: after a
   * purge, a node delete, a lost database): never a key some row already has (no duplicate ever),
   * never a stopped or failed one, never onto a port an active row holds.
   */
  private async adopt(
    node: NodeRow,
    entries: readonly StatusEntry[],
    rows: repo.DeploymentRow[],
    changed: number[],
  ): Promise<void> {
    const { store } = this.deps;
    const keys = new Set(rows.map((r) => store.keyOf(r)));
    for (const e of entries) {
      if (
        keys.has(e.key) ||
        e.status === 'stopped' ||
        e.status === 'error' ||
        e.status === 'expired'
      )
        continue;
      if (rows.some((r) => r.port === e.port && isActive(statusOf(r)))) continue;
      const m = e.launch_manifest;
      try {
        const row = await repo.insertDeployment(store.db, {
          node_id: node.id,
          model_name: e.model_name,
          served_model_name: null,
          port: e.port,
          gpu_memory_fraction: e.gpu_memory_fraction,
          gpu_ids: e.gpu_ids === null ? null : JSON.stringify(e.gpu_ids),
          tensor_parallel_size: e.tensor_parallel_size,
          extra_args: JSON.stringify(m.extra_args),
          // Values never leave the agent; the running container keeps them.
          env_vars: JSON.stringify(m.env_var_keys.map((key) => ({ key, value: '' }))),
          vllm_version: e.vllm_version,
          container_runtime: e.container_runtime,
          image_digest: e.image_digest,
          extra_packages: JSON.stringify(m.extra_packages),
          engine_args: JSON.stringify(m.engine_args),
          lora_modules: JSON.stringify(m.lora_modules),
          max_failed_restarts: m.max_failed_restarts,
          pinned: e.pinned ? 1 : 0,
          status: e.status,
          detail: isLaunching(e.status) ? (e.phase?.slice(0, 64) ?? null) : null,
          status_changed_at: store.nowIso(),
          owner: m.owner,
          duration_seconds: m.duration_seconds,
          expires_at: e.expires_at,
          created_at: store.nowIso(),
          warm: e.warm ? 1 : 0,
          pause_tier: e.pause_tier,
          error_code: e.error_code,
          total_prompt_tokens: 0,
          total_completion_tokens: 0,
          total_requests: 0,
        });
        keys.add(e.key);
        rows.push(row);
        changed.push(row.id);
        this.deps.logger.info('adopted a deployment the database did not know', {
          node: node.hostname,
          key: e.key,
          deployment_id: row.id,
        });
      } catch (err) {
        if (!repo.isUniqueViolation(err)) throw err;
      }
    }
  }
}
