// Build of the desktop app: main (Node, deps external), preload (one sandbox-safe CommonJS file)
// and the renderer (also served by `aerie serve` at `/`, hence the relative base).
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { UserConfig } from 'vite';

const root = import.meta.dirname;

// zod ships comments Rollup cannot place ("INVALID_ANNOTATION"); they are harmless and would bury
// real warnings.
const onwarn: RollupOnWarn = (warning, warn) => {
  if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules')) return;
  warn(warning);
};
type RollupOnWarn = NonNullable<
  NonNullable<NonNullable<UserConfig['build']>['rollupOptions']>['onwarn']
>;

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // better-sqlite3 is native and every dependency ships in node_modules next to the bundle.
      externalizeDeps: true,
      sourcemap: true,
      rollupOptions: { input: { index: resolve(root, 'src-main/index.ts') }, onwarn },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // A sandboxed preload may require only `electron`; everything else must be bundled in.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(root, 'src-preload/index.ts') },
        external: ['electron'],
        onwarn,
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      sourcemap: true,
      minify: 'esbuild',
      rollupOptions: { input: { index: resolve(root, 'src-renderer/index.html') }, onwarn },
    },
  },
});
