// `npm run build` (also run by `prepare` after `npm ci`): the CLI bundle, the single-file agent and
// simulator bundles (the agent for GPU hosts, the simulator for the Podman test image), then the
// desktop app and console.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const run = (script) => {
  const r = spawnSync(process.execPath, [script], {
    stdio: 'inherit',
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run('scripts/build-cli.mjs');
run('scripts/build-agent.mjs');
run('scripts/build-sim.mjs');
if (existsSync('src-renderer/index.html')) run('scripts/build-app.mjs');
