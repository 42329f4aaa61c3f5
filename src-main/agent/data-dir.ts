// Every path the agent owns under its data dir, named in one place (README "Adding a GPU node").
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** `state.json`: env values, leases, readiness and node policy (mode 0600). */
export const stateFile = (dataDir: string) => join(dataDir, 'state.json');
/** `logs/`: one persistent run log per deployment. */
export const logsDir = (dataDir: string) => join(dataDir, 'logs');
/** `hf-cache/`: the default HuggingFace cache root (`AERIE_HF_CACHE_DIR` overrides it). */
export const defaultHfCacheDir = (dataDir: string) => join(dataDir, 'hf-cache');
/** `models/`: the managed local models (always an allowed, mounted model dir). */
export const managedModelsDir = (dataDir: string) => join(dataDir, 'models');
/** `models/.tmp/`: staging for uploads, archives and pulls (same filesystem: renames are atomic). */
export const stagingRoot = (dataDir: string) => join(managedModelsDir(dataDir), '.tmp');
/** `packages/`: uploaded wheels, plugins and extracted packages, mounted at `/packages`. */
export const packagesDir = (dataDir: string) => join(dataDir, 'packages');
/** `packages/.tmp/`: where a package upload is spooled before it moves into place. */
export const packagesStagingDir = (dataDir: string) => join(packagesDir(dataDir), '.tmp');
/** `packages/.meta/`: one JSON record per stored package. */
export const packagesMetaDir = (dataDir: string) => join(packagesDir(dataDir), '.meta');
/** `processes/`: the process runtime's per-deployment shim state. */
export const processesDir = (dataDir: string) => join(dataDir, 'processes');
/** `sim-gpus/`: state files the simulators write for the simulated GPU inventory. */
export const simGpusDir = (dataDir: string) => join(dataDir, 'sim-gpus');
/** `.vllm_compile/`: the compile caches of warm deployments. */
export const compileCacheRoot = (dataDir: string) => join(dataDir, '.vllm_compile');

const shortHash = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 16);

/** Name of the compile-cache directory of deployment `key`: `sha256(key)[:16]`. */
export const compileCacheName = (key: string) => shortHash(key);
/** `.vllm_compile/<sha256(key)[:16]>`: the compile cache of one warm deployment. */
export const compileCacheDir = (dataDir: string, key: string) =>
  join(compileCacheRoot(dataDir), compileCacheName(key));
/** `sim-gpus/<sha256(key)[:16]>.json`: the state file of one deployment's simulator. */
export const simStateFile = (dataDir: string, key: string) =>
  join(simGpusDir(dataDir), `${shortHash(key)}.json`);
