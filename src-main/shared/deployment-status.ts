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
  /** Sleep-mode transitions: readiness probes and metric scrapes are skipped. */
  quiet: boolean;
  /** Weights are off the GPU (a pause tier holds them). */
  paused: boolean;
}

// prettier-ignore
const TRAITS = {
  starting:    { agent: true , watched: true , holdsGpu: true , reservesVram: true , quiet: false, paused: false },
  loading:     { agent: true , watched: true , holdsGpu: true , reservesVram: true , quiet: false, paused: false },
  running:     { agent: true , watched: true , holdsGpu: true , reservesVram: true , quiet: false, paused: false },
  offloading:  { agent: true , watched: true , holdsGpu: true , reservesVram: false, quiet: true , paused: false },
  paused_ram:  { agent: true , watched: true , holdsGpu: true , reservesVram: false, quiet: true , paused: true  },
  waking:      { agent: true , watched: true , holdsGpu: true , reservesVram: true , quiet: true , paused: false },
  stopping:    { agent: true , watched: true , holdsGpu: true , reservesVram: false, quiet: false, paused: false },
  error:       { agent: true , watched: true , holdsGpu: true , reservesVram: false, quiet: false, paused: false },
  stopped:     { agent: true , watched: false, holdsGpu: false, reservesVram: false, quiet: false, paused: false },
  expired:     { agent: true , watched: false, holdsGpu: false, reservesVram: false, quiet: false, paused: false },
  unreachable: { agent: false, watched: false, holdsGpu: false, reservesVram: false, quiet: false, paused: false },
} as const satisfies Record<string, StatusTraits>;

/** Every status a deployment can have (the control plane's view). */
export type DeploymentStatus = keyof typeof TRAITS;
/** The statuses the agent reports. */
export type AgentStatus = {
  [S in DeploymentStatus]: (typeof TRAITS)[S]['agent'] extends true ? S : never;
}[DeploymentStatus];

export const DEPLOYMENT_STATUSES = Object.keys(TRAITS) as [DeploymentStatus, ...DeploymentStatus[]];
export const AGENT_STATUSES = DEPLOYMENT_STATUSES.filter((s) => TRAITS[s].agent) as [
  AgentStatus,
  ...AgentStatus[],
];

const where = (trait: keyof StatusTraits): ReadonlySet<AgentStatus> =>
  new Set(AGENT_STATUSES.filter((s) => TRAITS[s][trait]));

/** The agent no longer watches these (the deployment is over). */
export const FINISHED: ReadonlySet<AgentStatus> = new Set(
  AGENT_STATUSES.filter((s) => !TRAITS[s].watched),
);
/** Hold (or are about to hold) GPU memory while their container is live. */
export const HOLDS_GPU = where('holdsGpu');
/** Their fraction is reserved VRAM in the warm-cache plan. */
export const RESERVES_VRAM = where('reservesVram');
/** Sleep-mode transitions and sleep: no readiness probe, no metric scrape. */
export const QUIET = where('quiet');
/** Weights are in a pause tier. */
export const PAUSED = where('paused');

/** True when `s` is a status the agent reports (parsing an agent reply). */
export function isAgentStatus(s: string): s is AgentStatus {
  return s in TRAITS && TRAITS[s as DeploymentStatus].agent;
}
