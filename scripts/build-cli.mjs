// Builds the `aerie` CLI bundle (out/cli/cli.mjs). Dependencies stay external: they are installed
// next to it by npm, and better-sqlite3 is a native module.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry content hashes: clear old ones so the folder holds one build.
rmSync('out/cli', { recursive: true, force: true });

await build({
  entryPoints: { cli: 'src-main/cli.ts' },
  outdir: 'out/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
});
