import { startCommand } from '../shared/node/command-start.js';
import { exitCodeOnSignal } from '../shared/node/shutdown.js';
import { AgentStartupError, startAgent, type RunningAgent } from './bootstrap.js';
import { AGENT_FLAGS, loadAgentConfig } from './config.js';

const USAGE =
  'Usage: aerie agent [options]\n\nRuns the node agent: drives vLLM containers on this GPU host for the control plane.';

/** `aerie agent`: returns the process exit code once the agent has stopped (or failed to start). */
export async function runAgent(argv: readonly string[]): Promise<number> {
  const start = startCommand('aerie agent', USAGE, AGENT_FLAGS, argv, () =>
    loadAgentConfig(argv, process.env),
  );
  if ('exitCode' in start) return start.exitCode;
  const config = start.config;
  let agent: RunningAgent;
  try {
    agent = await startAgent(config);
  } catch (err) {
    if (err instanceof AgentStartupError) {
      process.stderr.write(`aerie agent: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  // Handlers first: whoever waits for the "listening" line may signal right after reading it.
  const exitCode = exitCodeOnSignal('aerie agent', () => agent.stop(), 10_000);
  if (config.insecure) {
    process.stderr.write(
      'aerie agent: WARNING: --insecure: the agent API accepts requests without a cluster token\n',
    );
  }
  process.stdout.write(`agent listening on ${agent.url}\n`);
  return exitCode;
}
