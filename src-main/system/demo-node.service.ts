import type { DemoAgent } from '../demo-agent.js';
import { unavailable, errorMessage } from '../shared/errors.js';
import type { DemoNode } from '../shared/system.js';

export const DEMO_NODE_NAME = 'demo-node';
export const DEMO_GPUS = '2xH100-80GB';

/**
 * Owns the in-process demo agent (simulated GPUs, process runtime): started once on request
 * (`POST /api/system/demo`, `aerie serve --demo`), stopped before the control plane stops.
 * Concurrent starts share one attempt; a failed start can be retried.
 */
export class DemoNodeService {
  private agent: DemoAgent | null = null;
  private starting: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly launch: () => Promise<DemoAgent>) {}

  status(): DemoNode {
    return {
      running: this.agent !== null,
      agent_url: this.agent?.url ?? null,
      node_name: DEMO_NODE_NAME,
      gpus: DEMO_GPUS,
    };
  }

  /** Starts the demo agent unless it runs already; throws 503 `unavailable` when it cannot start. */
  async start(): Promise<DemoNode> {
    if (this.stopped) throw unavailable('The control plane is stopping.');
    if (this.agent) return this.status();
    this.starting ??= this.launchOnce().finally(() => (this.starting = null));
    await this.starting;
    return this.status();
  }

  private async launchOnce(): Promise<void> {
    let agent: DemoAgent;
    try {
      agent = await this.launch();
    } catch (err) {
      throw unavailable(`The demo node could not start: ${errorMessage(err)}`);
    }
    if (this.stopped) {
      // The control plane began stopping while the agent started: it must not outlive it.
      await agent.stop();
      throw unavailable('The control plane is stopping.');
    }
    this.agent = agent;
  }

  /** Stops the demo agent (and refuses new starts), waiting for a start in flight; idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting?.catch(() => undefined);
    const agent = this.agent;
    this.agent = null;
    await agent?.stop();
  }
}
