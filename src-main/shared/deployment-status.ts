// The one deployment status vocabulary (behaviour.md §2.1, DESIGN.md §5). Every set of statuses
// the programs use is derived from the trait table below, so a status is described in one place.

/** What a status means, as the agent, the planner and the control plane consult it. */
interface StatusTraits {
  /** The agent reports it (`unreachable` is the control plane's own). */
  agent: boolean;
  /** The agent watches the deployment (monitor, proxy, logs); false once it is over. */
  watched: boolean;
  /** The deployment holds, or is about to hold, GPU memory when its container is live. */
  holdsGpu: boolean;
  /** Its fraction counts as reserved VRAM for the warm-cache planner (live and not paused). */
  reservesVram: boolean;
  /** Sleep-mode transitions and sleep: readiness probes and metric scrapes are skipped. */
  quiet: boolean;
  /** Weights are off the GPU (a pause tier holds them). */
  paused: boolean;
  /** Holds its node port in the control plane (the `uq_active_node_port` index). */
  active: boolean;
  /** The gateway routes requests to it (a paused one is woken on the way). */
  routable: boolean;
  /** Its lease counts down: the expiry loop stops it when `expires_at` passes. */
  leased: boolean;
  /** `extend` may move its deadline. */
  extendable: boolean;
  /** `restart` may launch it again (same id). */
  restartable: boolean;
  /** Its record may be deleted (anything else must be stopped first). */
  deletable: boolean;
  /** Reaching it clears `last_error`. */
  healthy: boolean;
}

const T = true;
const F = false;
const COLUMNS = [
  'agent',
  'watched',
  'holdsGpu',
  'reservesVram',
  'quiet',
  'paused',
  'active',
  'routable',
  'leased',
  'extendable',
  'restartable',
  'deletable',
  'healthy',
] as const satisfies readonly (keyof StatusTraits)[];
type Bools<C extends readonly unknown[]> = { -readonly [K in keyof C]: boolean };
type Row = Bools<typeof COLUMNS>;

/** One row of the table: the traits in COLUMNS order. */
const tr = (...row: Row): StatusTraits =>
  Object.fromEntries(COLUMNS.map((c, i) => [c, row[i]])) as unknown as StatusTraits;

// prettier-ignore
const TRAITS = {
  //           agent watched holdsGpu reservesVram quiet paused | active routable leased extendable restartable deletable healthy
  starting:    tr(T, T, T, T, F, F,   T, F, F, T, F, F, T),
  loading:     tr(T, T, T, T, F, F,   T, F, T, T, F, F, T),
  running:     tr(T, T, T, T, F, F,   T, T, T, T, F, F, T),
  offloading:  tr(T, T, T, F, T, F,   T, F, T, T, F, F, F),
  paused_ram:  tr(T, T, T, F, T, T,   T, T, T, T, F, F, F),
  paused_disk: tr(T, T, T, F, T, T,   T, T, T, T, F, F, F),
  waking:      tr(T, T, T, T, T, F,   T, T, T, T, F, F, F),
  stopping:    tr(T, T, T, F, F, F,   T, F, F, F, F, F, F),
  error:       tr(T, T, T, F, F, F,   F, F, F, F, T, T, F),
  stopped:     tr(T, F, F, F, F, F,   F, F, F, F, T, T, T),
  expired:     tr(T, F, F, F, F, F,   F, F, F, F, T, T, F),
  unreachable: tr(F, F, F, F, F, F,   F, F, F, F, F, T, F),
};

/** Every status a deployment can have (the control plane's view). */
export type DeploymentStatus = keyof typeof TRAITS;
/** The statuses the agent reports (all but the control plane's `unreachable`). */
export type AgentStatus = Exclude<DeploymentStatus, 'unreachable'>;

export const DEPLOYMENT_STATUSES = Object.keys(TRAITS) as [DeploymentStatus, ...DeploymentStatus[]];
export const AGENT_STATUSES = DEPLOYMENT_STATUSES.filter((s) => TRAITS[s].agent) as [
  AgentStatus,
  ...AgentStatus[],
];

const where = (trait: keyof StatusTraits): ReadonlySet<DeploymentStatus> =>
  new Set(DEPLOYMENT_STATUSES.filter((s) => TRAITS[s][trait]));
// Agent-side sets hold agent statuses only, typed wide so any status can be looked up.
const agentWhere = (trait: keyof StatusTraits): ReadonlySet<DeploymentStatus> =>
  new Set(AGENT_STATUSES.filter((s) => TRAITS[s][trait]));

/** The agent no longer watches these (the deployment is over). */
export const FINISHED: ReadonlySet<DeploymentStatus> = new Set(
  AGENT_STATUSES.filter((s) => !TRAITS[s].watched),
);
/** Hold (or are about to hold) GPU memory while their container is live. */
export const HOLDS_GPU = agentWhere('holdsGpu');
/** Their fraction is reserved VRAM in the warm-cache plan. */
export const RESERVES_VRAM = agentWhere('reservesVram');
/** Sleep-mode transitions and sleep: no readiness probe, no metric scrape. */
export const QUIET = agentWhere('quiet');
/** Weights are in a pause tier. */
export const PAUSED = agentWhere('paused');

/** Hold their node port in the control plane (the same list as the `uq_active_node_port` index). */
export const ACTIVE = where('active');
/** The gateway routes to these. */
export const ROUTABLE = where('routable');
/** Their lease counts down. */
export const LEASED = where('leased');
export const EXTENDABLE = where('extendable');
export const RESTARTABLE = where('restartable');
export const DELETABLE = where('deletable');
/** Reaching one clears `last_error`. */
export const HEALTHY = where('healthy');

/** True when `s` is a status the agent reports (parsing an agent reply). */
export function isAgentStatus(s: string): s is AgentStatus {
  return s in TRAITS && TRAITS[s as DeploymentStatus].agent;
}
