import type { RouteDef } from '../shared/node/route.js';

/**
 * One part of the agent as the composition root (`bootstrap.ts`) assembles it: its routes and,
 * when it has a lifecycle, what it does before the server listens and after it stopped.
 */
export interface AgentFeature {
  routes: RouteDef[];
  /** Runs before the server listens (adoption of surviving containers, staging wipe). */
  start?(): Promise<void>;
  /** Runs after the server stopped, in reverse order of the features. */
  stop?(): Promise<void>;
}
