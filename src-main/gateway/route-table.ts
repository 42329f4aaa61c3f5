import { ROUTABLE, type DeploymentStatus } from '../shared/deployment-status.js';
import { urlHost } from '../shared/net.js';
import { gatewayError, type GatewayError } from './openai-error.js';

/** What the route table needs of a deployment (a subset of DeploymentRead). */
export interface RoutableDeployment {
  id: number;
  node_id: number;
  model_name: string;
  served_model_name: string;
  port: number;
  status: DeploymentStatus;
  lora_modules: readonly { name: string }[];
  created_at: string;
}

/** Where one deployment serves, as the relay needs it. */
export interface Target {
  id: number;
  served: string;
  model: string;
  status: DeploymentStatus;
  /** `http://host:port`, or null when its node row is gone. */
  origin: string | null;
  /** Paused (or waking): a request waits while the agent's proxy wakes it. */
  asleep: boolean;
}

export type Resolution = { target: Target } | GatewayError;

/** Statuses that answer 503 `model_loading` instead of 404. */
const COMING: ReadonlySet<DeploymentStatus> = new Set(['starting', 'loading', 'offloading']);
const ASLEEP: ReadonlySet<DeploymentStatus> = new Set(['paused_ram', 'paused_disk', 'waking']);

interface Entry extends Target {
  loras: readonly string[];
  created: number;
}

type Tiers = [Map<string, Entry[]>, Map<string, Entry[]>, Map<string, Entry[]>];
const emptyTiers = (): Tiers => [
  new Map<string, Entry[]>(),
  new Map<string, Entry[]>(),
  new Map<string, Entry[]>(),
];

const inScope = (scope: ReadonlySet<number> | null, id: number) => scope === null || scope.has(id);

/**
 * The in-memory routing table (behaviour.md §5.1–5.2), rebuilt whole from the deployment and
 * node rows whenever either changes. `resolve` is the hot path: three maps, no I/O.
 */
export class RouteTable {
  private entries: Entry[] = [];
  /** Tier maps over routable deployments: served name, model name, LoRA name → entries. */
  private tiers: Tiers = emptyTiers();
  private coming: Entry[] = [];

  replace(
    deployments: readonly RoutableDeployment[],
    nodeHosts: ReadonlyMap<number, string>,
  ): void {
    const entries: Entry[] = deployments.map((d) => {
      const host = nodeHosts.get(d.node_id);
      return {
        id: d.id,
        served: d.served_model_name,
        model: d.model_name,
        status: d.status,
        origin: host === undefined ? null : `http://${urlHost(host)}:${d.port}`,
        asleep: ASLEEP.has(d.status),
        loras: d.lora_modules.map((l) => l.name),
        created: Date.parse(d.created_at),
      };
    });
    const tiers = emptyTiers();
    const add = (m: Map<string, Entry[]>, name: string, e: Entry) => {
      const list = m.get(name);
      if (list) list.push(e);
      else m.set(name, [e]);
    };
    for (const e of entries) {
      if (!ROUTABLE.has(e.status)) continue;
      add(tiers[0], e.served, e);
      add(tiers[1], e.model, e);
      for (const l of e.loras) add(tiers[2], l, e);
    }
    this.entries = entries;
    this.tiers = tiers;
    this.coming = entries.filter((e) => COMING.has(e.status));
  }

  /**
   * The deployment that serves `model` for a caller limited to `scope`: the first tier (served
   * name, then model name, then LoRA name) with a match in scope wins; several there is
   * ambiguous. A match only outside the scope is 403; a match still loading is 503.
   */
  resolve(model: string, scope: ReadonlySet<number> | null): Resolution {
    let outside = false;
    for (const tier of this.tiers) {
      const all = tier.get(model);
      if (!all) continue;
      const mine = scope === null ? all : all.filter((e) => scope.has(e.id));
      if (mine.length === 1) return { target: mine[0]! };
      if (mine.length > 1)
        return gatewayError(
          400,
          'model_ambiguous',
          'invalid_request_error',
          `Model '${model}' matches ${mine.length} deployments; use one of: ${[...new Set(mine.map((e) => e.served))].sort().join(', ')}.`,
        );
      outside = true;
    }
    const loading = this.coming.find(
      (e) =>
        inScope(scope, e.id) &&
        (e.served === model || e.model === model || e.loras.includes(model)),
    );
    if (loading)
      return gatewayError(
        503,
        'model_loading',
        'upstream_error',
        `Model '${model}' is still loading (deployment ${loading.id}); retry shortly.`,
        5,
      );
    if (outside)
      return gatewayError(
        403,
        'model_not_in_scope',
        'permission_error',
        `This API key may not use model '${model}'.`,
      );
    const aliases = this.aliases(scope);
    return gatewayError(
      404,
      'model_not_found',
      'invalid_request_error',
      `Model '${model}' is not served here. Available: ${aliases.length > 0 ? aliases.join(', ') : 'none'}.`,
    );
  }

  /** Every name a caller with `scope` may use, sorted. */
  aliases(scope: ReadonlySet<number> | null): string[] {
    const names = new Set<string>();
    for (const tier of this.tiers)
      for (const [name, list] of tier) if (list.some((e) => inScope(scope, e.id))) names.add(name);
    return [...names].sort();
  }

  /** `GET /v1/models`: each routable deployment's served name, then its LoRA adapters with `parent`. */
  models(scope: ReadonlySet<number> | null): {
    object: 'list';
    data: {
      id: string;
      object: 'model';
      created: number;
      owned_by: string;
      root: string;
      parent: string | null;
    }[];
  } {
    const data = [];
    for (const e of this.entries) {
      if (!ROUTABLE.has(e.status) || !inScope(scope, e.id)) continue;
      const created = Math.floor(e.created / 1000);
      data.push({
        id: e.served,
        object: 'model' as const,
        created,
        owned_by: 'aerie',
        root: e.model,
        parent: null,
      });
      for (const l of e.loras)
        data.push({
          id: l,
          object: 'model' as const,
          created,
          owned_by: 'aerie',
          root: l,
          parent: e.served,
        });
    }
    return { object: 'list', data };
  }
}
