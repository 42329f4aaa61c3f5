import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap, type ControlPlane } from '../../src-main/bootstrap.js';
import { loadServeConfig } from '../../src-main/config/serve-config.js';

/** Boots a real control plane in this process on 127.0.0.1, a free port and a temp data dir. */
export async function startInProcess(
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<ControlPlane & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'aerie-cp-'));
  const loaded = loadServeConfig(
    ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...args],
    env,
  );
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const plane = await bootstrap(loaded.config);
  return Object.assign(plane, { dataDir });
}
