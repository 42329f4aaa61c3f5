// Builds the vLLM simulator as one self-contained file (out/sim/aerie-vllm-sim.mjs) for the
// simulator container image: everything bundled, no externals, so `node aerie-vllm-sim.mjs` runs
// without node_modules. `--outfile PATH` writes elsewhere (tests build into a temp dir).
import { build } from 'esbuild';

const i = process.argv.indexOf('--outfile');
const outfile =
  i !== -1 && process.argv[i + 1] ? process.argv[i + 1] : 'out/sim/aerie-vllm-sim.mjs';

await build({
  entryPoints: ['src-main/sim/bin.ts'],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
