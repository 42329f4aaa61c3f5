import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrap } from './bootstrap.js';
import { loadServeConfig, SERVE_FLAGS } from './config/serve-config.js';
import { StartupError } from './errors/startup-error.js';
import { startCommand } from './shared/node/command-start.js';
import { exitCodeOnSignal } from './shared/node/shutdown.js';
import { errorMessage } from './shared/errors.js';
import { urlHost } from './shared/net.js';

const USAGE =
  'Usage: aerie serve [options]\n\nStarts the control plane: REST API, /v1 gateway, /ws, docs and the web console.';

/** `aerie serve`: returns the process exit code once the server has stopped (or failed to start). */
export async function runServe(argv: readonly string[]): Promise<number> {
  const start = startCommand('aerie serve', USAGE, SERVE_FLAGS, argv, () =>
    loadServeConfig(argv, process.env),
  );
  if ('exitCode' in start) return start.exitCode;
  const config = start.config;
  const here = dirname(fileURLToPath(import.meta.url));
  let plane;
  try {
    plane = await bootstrap(config, { consoleDir: join(here, '..', 'renderer') });
  } catch (err) {
    if (err instanceof StartupError) {
      process.stderr.write(`aerie serve: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  if (config.demo) {
    let url: string | null;
    try {
      url = (await plane.demo.start()).agent_url;
    } catch (err) {
      await plane.stop();
      process.stderr.write(`aerie serve: the demo agent could not start: ${errorMessage(err)}\n`);
      return 1;
    }
    process.stdout.write(
      `demo agent (2 simulated H100 80GB, process runtime) listening on ${url ?? '?'}\n`,
    );
  }
  // The control plane stops its demo node first.
  const stopAll = () => plane.stop();
  for (const file of plane.tokens.createdFiles) {
    const token = file.endsWith('admin-token') ? plane.tokens.admin : plane.tokens.cluster;
    const what = file.endsWith('admin-token')
      ? 'admin token (for /api from other machines)'
      : 'cluster token (for agents)';
    process.stdout.write(`created ${what}, saved to ${file}:\n  ${token}\n`);
  }
  // Handlers go in before the ready line: a supervisor may signal as soon as it reads it.
  const exitCode = exitCodeOnSignal('aerie serve', stopAll, 1900);
  const host = urlHost(config.host);
  if (plane.gatewayOpen())
    process.stdout.write(
      `gateway open: /v1 needs no API key until you create a permanent one (POST /api/api-keys)\n`,
    );
  process.stdout.write(`listening on http://${host}:${plane.port}\n`);
  return exitCode;
}
