import { nextStatus, type AgentEvent } from '../../shared/agent-lifecycle.js';
import type { Tracked } from './registry.js';

/**
 * The one way a deployment's status changes on the agent: `event` through the shared state
 * machine. Returns false, changing nothing, when the event does not apply to the current status
 * (a stop that already won over a launch, a wake on a deployment that is stopping).
 */
export function transition(t: Tracked, event: AgentEvent): boolean {
  const to = nextStatus(t.entry.status, event);
  if (to === null) return false;
  t.entry.status = to;
  return true;
}
