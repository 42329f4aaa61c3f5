// Pure on purpose (no electron import): the tray's view of the fleet, folded from the bus events
// that every client gets, after one snapshot at start. Nothing here polls.
import type { z } from 'zod';
import { DeploymentReadSchema } from '../shared/deployments.js';
import type { AppEvent } from '../shared/events.js';
import { NodeReadSchema } from '../shared/nodes.js';

const DeploymentRowSchema = DeploymentReadSchema.pick({
  id: true,
  node_id: true,
  served_model_name: true,
  status: true,
  expires_at: true,
  status_changed_at: true,
  last_error: true,
});
const NodeRowSchema = NodeReadSchema.pick({ id: true, hostname: true, status: true });

/** What the tray and the notifications need of one deployment. */
export type FleetDeployment = z.infer<typeof DeploymentRowSchema>;
/** What the tray needs of one node. */
export type FleetNode = z.infer<typeof NodeRowSchema>;

/** The tray's state of the fleet. Immutable: every fold returns a new object. */
export interface FleetState {
  readonly nodes: ReadonlyMap<number, FleetNode>;
  readonly deployments: ReadonlyMap<number, FleetDeployment>;
  /** Deadlines the server warned about (`expiry_warning`), by deployment id. */
  readonly warned: ReadonlyMap<number, string>;
  /** The `expiry_warning_minutes` setting: how far ahead "expiring soon" looks. */
  readonly warningMinutes: number;
}

export const EMPTY_FLEET: FleetState = {
  nodes: new Map(),
  deployments: new Map(),
  warned: new Map(),
  warningMinutes: 30,
};

/** What the shell reads once at start (`GET /api/nodes`, `/api/deployments`, `/api/settings`). */
export interface FleetSnapshot {
  nodes: readonly unknown[];
  deployments: readonly unknown[];
  warningMinutes: number;
}

function rows<T extends { id: number }>(schema: z.ZodType<T>, raw: readonly unknown[]): T[] {
  return raw.flatMap((r) => {
    const p = schema.safeParse(r);
    return p.success ? [p.data] : [];
  });
}

function merged<T extends { id: number }>(
  current: ReadonlyMap<number, T>,
  changed: readonly T[],
  deleted: readonly number[],
): Map<number, T> {
  const next = new Map(current);
  for (const id of deleted) next.delete(id);
  for (const row of changed) next.set(row.id, row);
  return next;
}

/** The state a snapshot describes (rows that do not parse are left out). */
export function fleetFromSnapshot(s: FleetSnapshot): FleetState {
  return {
    nodes: new Map(rows(NodeRowSchema, s.nodes).map((n) => [n.id, n])),
    deployments: new Map(rows(DeploymentRowSchema, s.deployments).map((d) => [d.id, d])),
    warned: new Map(),
    warningMinutes: s.warningMinutes,
  };
}

/** Folds one bus event into the state; events the tray does not use return the same object. */
export function foldEvent(state: FleetState, event: AppEvent): FleetState {
  switch (event.type) {
    case 'deployments_changed': {
      const changed = rows(DeploymentRowSchema, event.deployments);
      const deployments = merged(state.deployments, changed, event.deleted);
      const warned = new Map(state.warned);
      // A warning holds for one deadline; an extension or a deletion ends it.
      for (const [id, at] of state.warned)
        if (deployments.get(id)?.expires_at !== at) warned.delete(id);
      return { ...state, deployments, warned };
    }
    case 'nodes_changed':
      return {
        ...state,
        nodes: merged(state.nodes, rows(NodeRowSchema, event.nodes), event.deleted),
      };
    case 'settings_changed':
      return { ...state, warningMinutes: event.settings.expiry_warning_minutes };
    case 'expiry_warning':
      return { ...state, warned: new Map(state.warned).set(event.deployment_id, event.expires_at) };
    case 'api_keys_changed':
    case 'node_metrics':
    case 'transfer_progress':
      return state;
  }
}

/** A fold step as the listeners see it: the event and the states before and after. */
export interface FleetChange {
  event: AppEvent | null;
  before: FleetState;
  after: FleetState;
}

/**
 * Holds the folded state: events that arrive before the snapshot are kept and folded on top of
 * it, so subscribing first and reading the snapshot second loses nothing.
 */
export class FleetWatch {
  private state: FleetState = EMPTY_FLEET;
  private pending: AppEvent[] | null = [];
  private readonly listeners = new Set<(change: FleetChange) => void>();

  get current(): FleetState {
    return this.state;
  }

  /** True once the snapshot is in. */
  get loaded(): boolean {
    return this.pending === null;
  }

  onChange(listener: (change: FleetChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  load(snapshot: FleetSnapshot): void {
    const before = this.state;
    let after = fleetFromSnapshot(snapshot);
    for (const e of this.pending ?? []) after = foldEvent(after, e);
    this.pending = null;
    this.set({ event: null, before, after });
  }

  apply(event: AppEvent): void {
    if (this.pending) {
      this.pending.push(event);
      return;
    }
    const before = this.state;
    const after = foldEvent(before, event);
    if (after !== before) this.set({ event, before, after });
  }

  private set(change: FleetChange): void {
    this.state = change.after;
    for (const l of this.listeners) l(change);
  }
}

/** A bridge function (`ControlPlane.inject`): the tray reads through the same API as everyone. */
export type Inject = (raw: unknown) => Promise<{ status: number; body: unknown }>;

/**
 * Reads the snapshot the watch starts from: nodes, deployments and the warning window. Throws
 * when the control plane does not answer 200 (the shell logs it; events still fold).
 */
export async function readFleetSnapshot(inject: Inject): Promise<FleetSnapshot> {
  const get = async (path: string) => {
    const res = await inject({ method: 'GET', path });
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
    return res.body;
  };
  const [nodes, deployments, settings] = await Promise.all([
    get('/api/nodes'),
    get('/api/deployments'),
    get('/api/settings'),
  ]);
  const minutes =
    typeof settings === 'object' && settings !== null && 'expiry_warning_minutes' in settings
      ? Number(settings.expiry_warning_minutes)
      : EMPTY_FLEET.warningMinutes;
  return {
    nodes: Array.isArray(nodes) ? nodes : [],
    deployments: Array.isArray(deployments) ? deployments : [],
    warningMinutes: Number.isFinite(minutes) ? minutes : EMPTY_FLEET.warningMinutes,
  };
}
