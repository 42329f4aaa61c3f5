#!/usr/bin/env node
// The `aerie` binary: runs the CLI bundle that `npm run build:cli` (and `prepare`) writes.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../out/cli/cli.mjs', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write(
    'aerie: the CLI is not built yet; run `npm run build` (npm ci does it through prepare)\n',
  );
  process.exit(1);
}
const { main } = await import(bundle.href);
process.exit(await main(process.argv.slice(2)));
