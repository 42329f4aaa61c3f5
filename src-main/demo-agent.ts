import { join } from 'node:path';
import { loadAgentConfig } from './agent/config.js';
import { startAgent } from './agent/bootstrap.js';
import { StartupError } from './errors/startup-error.js';

/** The in-process agent of `aerie serve --demo`. */
export interface DemoAgent {
  url: string;
  stop(): Promise<void>;
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
  const agent = await startAgent(loaded.config);
  return { url: agent.url, stop: () => agent.stop() };
}
