// Builds the standalone agent (out/agent/aerie-agent.mjs): one file with every dependency inside,
// so a GPU host needs only Node ≥ 20 to run `node aerie-agent.mjs [agent flags]`. No native
// modules may end up in it (the agent never imports better-sqlite3 or electron).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const result = await build({
  entryPoints: {
    'aerie-agent': 'src-main/agent/bin.ts',
    // The process runtime's monitor, for the desktop app's demo node (no `aerie` CLI there).
    'aerie-agent-shim': 'src-main/agent/shim-bin.ts',
  },
  outdir: 'out/agent',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  sourcemap: 'linked',
  metafile: true,
  // Some CommonJS dependencies call require() for Node built-ins; an ESM bundle has none by default.
  banner: {
    js: "import { createRequire as __aerieCreateRequire } from 'node:module';\nconst require = __aerieCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

const native = Object.keys(result.metafile.inputs).filter((p) => p.endsWith('.node'));
const text = readFileSync('out/agent/aerie-agent.mjs', 'utf8');
if (native.length > 0 || /require\([^)]*\.node['"]\)/.test(text)) {
  console.error(
    `build-agent: the agent bundle must not contain native modules: ${native.join(', ') || '(a .node require)'}`,
  );
  process.exit(1);
}
