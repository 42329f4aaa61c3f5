// The agent's deployment state machine: every status change on the agent is one of these events,
// applied through `nextStatus`. A change the table does not allow is refused (the caller keeps
// the current status), which is how, for example, a stop wins over a launch still in flight.
import type { AgentStatus } from './deployment-status.js';

/** What can happen to a deployment on the agent. */
export type AgentEvent =
  /** The container (or process) of a launch is running. */
  | 'container_started'
  /** vLLM answered its health probe. */
  | 'ready'
  /** A crash, an exit, a restart seen, a vanished container or the crash-loop breaker. */
  | 'failed'
  /** A pause began (`POST /sleep`); `paused` ends it in RAM (level 1), `paused_disk` on disk (level 2). */
  | 'pause'
  | 'paused'
  | 'paused_disk'
  | 'pause_failed'
  /** A RAM-paused model is moved to disk (`POST /sleep?level=2`) to free its host RAM. */
  | 'demote'
  | 'demote_failed'
  /** A wake claimed its VRAM and called `/wake_up`. */
  | 'wake'
  | 'woke'
  /** The wake failed: back to the tier it came from. */
  | 'wake_failed'
  | 'wake_failed_disk'
  /** A stop was requested (manual, drain, RAM budget). */
  | 'stop'
  | 'stopped'
  | 'stop_failed'
  /** The serve duration was reached. */
  | 'expire';

/** Every event, for exhaustive tables and tests. */
export const AGENT_EVENTS = [
  'container_started',
  'ready',
  'failed',
  'pause',
  'paused',
  'paused_disk',
  'pause_failed',
  'demote',
  'demote_failed',
  'wake',
  'woke',
  'wake_failed',
  'wake_failed_disk',
  'stop',
  'stopped',
  'stop_failed',
  'expire',
] as const satisfies readonly AgentEvent[];

/** From which statuses each event applies, and where it leads. */
const TRANSITIONS: Readonly<Record<AgentEvent, { from: readonly AgentStatus[]; to: AgentStatus }>> =
  {
    container_started: { from: ['starting'], to: 'loading' },
    // A crashed deployment that the runtime restarted can become healthy again.
    ready: { from: ['loading', 'error'], to: 'running' },
    failed: {
      from: ['loading', 'running', 'offloading', 'paused_ram', 'paused_disk', 'waking', 'error'],
      to: 'error',
    },
    pause: { from: ['running'], to: 'offloading' },
    paused: { from: ['offloading'], to: 'paused_ram' },
    paused_disk: { from: ['offloading'], to: 'paused_disk' },
    pause_failed: { from: ['offloading'], to: 'running' },
    demote: { from: ['paused_ram'], to: 'offloading' },
    demote_failed: { from: ['offloading'], to: 'paused_ram' },
    wake: { from: ['paused_ram', 'paused_disk'], to: 'waking' },
    woke: { from: ['waking'], to: 'running' },
    wake_failed: { from: ['waking'], to: 'paused_ram' },
    wake_failed_disk: { from: ['waking'], to: 'paused_disk' },
    stop: {
      from: [
        'starting',
        'loading',
        'running',
        'offloading',
        'paused_ram',
        'paused_disk',
        'waking',
        'error',
      ],
      to: 'stopping',
    },
    stopped: { from: ['stopping'], to: 'stopped' },
    stop_failed: { from: ['stopping'], to: 'error' },
    expire: {
      from: ['loading', 'running', 'offloading', 'paused_ram', 'paused_disk', 'waking', 'error'],
      to: 'expired',
    },
  };

/** The status `event` leads to from `from`, or null when the event does not apply there. */
export function nextStatus(from: AgentStatus, event: AgentEvent): AgentStatus | null {
  const t = TRANSITIONS[event];
  return t.from.includes(from) ? t.to : null;
}
