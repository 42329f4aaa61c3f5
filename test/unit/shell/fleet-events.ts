// Event builders for the shell's pure modules: the bus events a real control plane emits.
import type { DeploymentStatus } from '../../../src-main/shared/deployment-status.js';
import type { AppEvent } from '../../../src-main/shared/events.js';
import type { NodeStatus } from '../../../src-main/shared/nodes.js';
import { DEFAULT_SETTINGS } from '../../../src-main/shared/settings.js';

export const T0 = Date.parse('2026-12-02T12:00:00.000Z');
export const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

export interface Dep {
  id: number;
  model?: string;
  status: DeploymentStatus;
  expiresInMin?: number | null;
  changedAtMin?: number;
  lastError?: string | null;
}

export function depRow(d: Dep): Record<string, unknown> {
  return {
    id: d.id,
    node_id: 1,
    model_name: d.model ?? `org/model-${d.id}`,
    served_model_name: d.model ?? `model-${d.id}`,
    status: d.status,
    expires_at: d.expiresInMin === undefined || d.expiresInMin === null ? null : at(d.expiresInMin),
    status_changed_at: at(d.changedAtMin ?? 0),
    last_error: d.lastError ?? null,
    port: 8000 + d.id,
  };
}

export const deployments = (...ds: Dep[]): AppEvent => ({
  type: 'deployments_changed',
  ids: ds.map((d) => d.id),
  deployments: ds.map(depRow),
  deleted: [],
});

export const deleted = (...ids: number[]): AppEvent => ({
  type: 'deployments_changed',
  ids,
  deployments: [],
  deleted: ids,
});

export const nodeRow = (id: number, status: NodeStatus) => ({
  id,
  hostname: `gpu-${id}`,
  status,
  ip_address: '10.0.0.1',
});

export const nodes = (...ns: [number, NodeStatus][]): AppEvent => ({
  type: 'nodes_changed',
  ids: ns.map(([id]) => id),
  nodes: ns.map(([id, s]) => nodeRow(id, s)),
  deleted: [],
});

export const warning = (id: number, expiresInMin: number, minutesLeft: number): AppEvent => ({
  type: 'expiry_warning',
  deployment_id: id,
  model: `model-${id}`,
  expires_at: at(expiresInMin),
  minutes_left: minutesLeft,
});

export const warnWindow = (minutes: number): AppEvent => ({
  type: 'settings_changed',
  settings: { ...DEFAULT_SETTINGS, expiry_warning_minutes: minutes },
});
