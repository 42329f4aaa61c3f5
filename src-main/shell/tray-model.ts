// Pure on purpose (no electron import): what the tray shows, computed from the folded fleet.
import { LEASED, PAUSED, type DeploymentStatus } from '../shared/deployment-status.js';
import type { FleetDeployment, FleetState } from './fleet-watch.js';

/** all well / something is on its way / something needs the operator. */
export type TrayIconState = 'ok' | 'busy' | 'error';

/** A deployment shown under "Expiring soon". */
export interface ExpiringItem {
  id: number;
  model: string;
  expiresAt: string;
  /** Whole minutes left, rounded up; 0 once the deadline has passed. */
  minutesLeft: number;
}

export interface TraySummary {
  nodesOnline: number;
  nodesTotal: number;
  criticalNodes: number;
  running: number;
  paused: number;
  loading: number;
  errors: number;
}

export interface TrayModel {
  icon: TrayIconState;
  tooltip: string;
  summary: TraySummary;
  expiring: ExpiringItem[];
}

/** On their way to a steady state: the icon says "busy". */
const IN_PROGRESS: ReadonlySet<DeploymentStatus> = new Set([
  'starting',
  'loading',
  'offloading',
  'waking',
  'stopping',
]);
/** Need the operator: the icon says "error". */
const FAILED: ReadonlySet<DeploymentStatus> = new Set(['error', 'unreachable']);

function expiringSoon(d: FleetDeployment, state: FleetState, nowMs: number): ExpiringItem | null {
  if (!LEASED.has(d.status) || d.expires_at === null) return null;
  const left = Date.parse(d.expires_at) - nowMs;
  const warned = state.warned.get(d.id) === d.expires_at;
  if (!warned && left > state.warningMinutes * 60_000) return null;
  return {
    id: d.id,
    model: d.served_model_name,
    expiresAt: d.expires_at,
    minutesLeft: Math.max(0, Math.ceil(left / 60_000)),
  };
}

/** The tray's icon, summary and "Expiring soon" list (soonest first) at `nowMs`. */
export function trayModel(state: FleetState, nowMs: number): TrayModel {
  const deployments = [...state.deployments.values()];
  const nodes = [...state.nodes.values()];
  const count = (pred: (d: FleetDeployment) => boolean) => deployments.filter(pred).length;
  const summary: TraySummary = {
    nodesOnline: nodes.filter((n) => n.status === 'online').length,
    nodesTotal: nodes.length,
    criticalNodes: nodes.filter((n) => n.status === 'critical').length,
    running: count((d) => d.status === 'running'),
    paused: count((d) => PAUSED.has(d.status)),
    loading: count((d) => IN_PROGRESS.has(d.status)),
    errors: count((d) => FAILED.has(d.status)),
  };
  const icon: TrayIconState =
    summary.errors > 0 || summary.criticalNodes > 0 ? 'error' : summary.loading > 0 ? 'busy' : 'ok';
  const expiring = deployments
    .map((d) => expiringSoon(d, state, nowMs))
    .filter((e): e is ExpiringItem => e !== null)
    .sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt) || a.id - b.id);
  return { icon, tooltip: tooltipOf(summary, expiring.length), summary, expiring };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One line for the tray tooltip: what is wrong first, then the counts. */
function tooltipOf(s: TraySummary, expiring: number): string {
  const parts = [`${s.nodesOnline}/${s.nodesTotal} nodes online`, `${s.running} running`];
  if (s.paused > 0) parts.push(`${s.paused} paused`);
  if (s.loading > 0) parts.push(`${s.loading} starting`);
  if (s.errors > 0) parts.unshift(plural(s.errors, 'deployment error'));
  if (s.criticalNodes > 0) parts.unshift(plural(s.criticalNodes, 'critical node'));
  if (expiring > 0) parts.push(`${expiring} expiring soon`);
  return `Aerie — ${parts.join(', ')}`;
}

/**
 * The tray image for a state (in `resources/`): a black template image on macOS (the menu bar
 * tints it), the coloured mark elsewhere; Electron picks the `@2x` file on its own.
 */
export function trayIconFile(state: TrayIconState, platform: string): string {
  const base = platform === 'darwin' ? 'trayTemplate' : 'tray';
  return state === 'ok' ? `${base}.png` : `${base}-${state}.png`;
}
