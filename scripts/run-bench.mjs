// Runs a TypeScript benchmark: bundles it with esbuild (dependencies external) and runs it in Node.
import { spawnSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

const entry = process.argv[2];
if (!entry) {
  console.error('usage: node scripts/run-bench.mjs <bench file.ts> [args…]');
  process.exit(2);
}
// Written inside the repo so that the bundle's bare imports resolve from ./node_modules.
const outfile = join('out', 'bench', `${basename(entry, '.ts')}.mjs`);
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(3)], {
  stdio: 'inherit',
  cwd: process.cwd(),
});
process.exit(r.status ?? 1);
