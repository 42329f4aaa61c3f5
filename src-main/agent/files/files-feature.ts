import type { AgentFeature } from '../feature.js';
import { resolveFileDeps, type FileDeps } from './file-deps.js';
import { HfCache } from './hf-cache.js';
import { LocalModels } from './local-models.js';
import { modelFileRoutes } from './model-files.routes.js';
import { modelUploadRoutes } from './model-uploads.routes.js';
import { PackageStore } from './packages.js';
import { packageRoutes } from './packages.routes.js';
import { wipeStaging } from './staging.js';
import { UploadSessions } from './upload-sessions.js';
import { Transfers } from './url-pull.js';

const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * The model-file housekeeping: HF-cache, local-model, upload, pull and package routes over `deps`;
 * at start it wipes leftover staging, at stop it aborts open uploads and running pulls.
 */
export function filesFeature(deps: FileDeps): AgentFeature & { packages: PackageStore } {
  const d = resolveFileDeps(deps);
  const sessions = new UploadSessions(d);
  const transfers = new Transfers(d);
  const packages = new PackageStore(d);
  let sweeper: NodeJS.Timeout | undefined;
  return {
    packages,
    routes: [
      ...modelFileRoutes(new HfCache(d), new LocalModels(d), transfers),
      ...modelUploadRoutes(d, sessions),
      ...packageRoutes(packages),
    ],
    start: async () => {
      await wipeStaging(d.dataDir);
      sweeper = setInterval(() => void sessions.sweep().catch(() => undefined), SWEEP_EVERY_MS);
      sweeper.unref();
    },
    stop: async () => {
      clearInterval(sweeper);
      await transfers.close();
      await sessions.close();
    },
  };
}
