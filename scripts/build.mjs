// `npm run build` (also run by `prepare` after `npm ci`): the CLI bundle, then the console.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(process.execPath, ['scripts/build-cli.mjs']);
if (existsSync('src-renderer/index.html')) run(process.execPath, ['scripts/build-app.mjs']);
