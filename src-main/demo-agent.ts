import { join } from 'node:path';
import { loadAgentConfig } from './agent/config.js';
import { startAgent, type AgentOverrides } from './agent/bootstrap.js';
import { processesDir } from './agent/data-dir.js';
import { RuntimeRegistry } from './agent/runtime/runtimes.js';
import { StartupError } from './errors/startup-error.js';

/** The in-process agent of `aerie serve --demo`. */
export interface DemoAgent {
  url: string;
  stop(): Promise<void>;
}

/**
 * How the demo node's process runtime starts the simulator and its monitor. The default (the
 * `aerie` CLI running this process: `node cli.mjs vllm-sim|agent-shim`) only exists under
 * `aerie serve`; the desktop app passes the bundled files, run by Electron in Node mode.
 */
export interface DemoProcessCommands {
  sim: string[];
  shim: string[];
}

/**
 * Starts an agent inside the control plane's process with two simulated H100s and the process
 * runtime, announcing itself to `controlPlaneUrl` with the cluster token, so the whole product can
 * be tried on a laptop. Its data lives in `<data-dir>/demo-agent`.
 */
export async function startDemoAgent(
  dataDir: string,
  controlPlaneUrl: string,
  clusterToken: string,
  commands?: DemoProcessCommands,
): Promise<DemoAgent> {
  const loaded = loadAgentConfig(
    [
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data-dir',
      join(dataDir, 'demo-agent'),
      '--node-name',
      'demo-node',
      '--simulate-gpus',
      '2xH100-80GB',
      '--runtime',
      'process',
      '--control-plane',
      controlPlaneUrl,
      '--cluster-token',
      clusterToken,
      '--advertise-host',
      '127.0.0.1',
    ],
    {},
  );
  if (!loaded.ok) throw new StartupError(`demo agent: ${loaded.problems.join('; ')}`);
  const overrides: AgentOverrides = commands
    ? {
        runtimes: new RuntimeRegistry({
          preferred: 'process',
          process: {
            stateDir: processesDir(loaded.config.dataDir),
            simCommand: commands.sim,
            shimCommand: commands.shim,
          },
        }),
      }
    : {};
  const agent = await startAgent(loaded.config, overrides);
  return { url: agent.url, stop: () => agent.stop() };
}
