import { existsSync, realpathSync } from 'node:fs';
import type { ContainerRuntime, RuntimeName } from './container-runtime.js';
import { type SocketEnv, dockerSocketPath, podmanSocketCandidates } from './engine-sockets.js';
import { EngineRuntime } from './engine-runtime.js';
import { ProcessRuntime, type ProcessRuntimeOptions } from './process-runtime.js';
import { RuntimeError } from './runtime-error.js';

/** One usable runtime as found by probing. */
export interface RuntimeProbe {
  /** The name it is selected by (`--runtime`, a deployment's `container_runtime`). */
  name: RuntimeName;
  /** What actually answers: a "docker" socket served by Podman has kind `podman`. */
  kind: RuntimeName;
  version: string;
  apiVersion: string;
  socketPath: string | null;
}

export interface RuntimeRegistryOptions {
  env?: SocketEnv;
  uid?: number | null;
  /** Enables the process runtime (simulator processes instead of containers). */
  process?: ProcessRuntimeOptions | null;
  /** `--runtime`: the runtime used when a deployment names none. */
  preferred?: RuntimeName | null;
  /** Milliseconds clock for the probe cache. */
  now?: () => number;
  onWarning?: (message: string) => void;
}

const PROBE_TTL_MS = 60_000;

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return a === b;
  }
}

/** Finds the container runtimes of this host (cached 60 s) and hands out the one to use. */
export class RuntimeRegistry {
  private readonly engines = new Map<string, EngineRuntime>();
  private readonly processRuntime: ProcessRuntime | null;
  private cache: { at: number; probes: Promise<RuntimeProbe[]> } | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: RuntimeRegistryOptions = {}) {
    this.processRuntime = opts.process ? new ProcessRuntime(opts.process) : null;
    this.now = opts.now ?? Date.now;
    if (opts.preferred === 'process' && !this.processRuntime) {
      throw new RuntimeError(
        'bad_request',
        '--runtime process needs the simulator command to be configured',
      );
    }
  }

  /** The available runtimes, probed at most once per 60 s unless `force`. */
  probe(force = false): Promise<RuntimeProbe[]> {
    const t = this.now();
    if (force || !this.cache || t - this.cache.at >= PROBE_TTL_MS) {
      const probes = this.doProbe();
      this.cache = { at: t, probes };
      probes.catch(() => {
        this.cache = null;
      });
    }
    return this.cache.probes;
  }

  private engine(name: 'docker' | 'podman', socketPath: string): EngineRuntime {
    const key = `${name}:${socketPath}`;
    let e = this.engines.get(key);
    if (!e) {
      e = new EngineRuntime({ name, socketPath });
      this.engines.set(key, e);
    }
    return e;
  }

  private async probeSocket(name: 'docker' | 'podman', path: string): Promise<RuntimeProbe | null> {
    if (!existsSync(path)) return null;
    const e = this.engine(name, path);
    if (!(await e.ping())) {
      this.opts.onWarning?.(
        name === 'podman'
          ? `Podman socket ${path} exists but does not answer (it may belong to root); enable the rootless socket with 'systemctl --user enable --now podman.socket'.`
          : `Docker socket ${path} exists but does not answer; check that the daemon runs and this user may use it.`,
      );
      return null;
    }
    const info = await e.info();
    return {
      name,
      kind: info.kind,
      version: info.version,
      apiVersion: info.apiVersion,
      socketPath: path,
    };
  }

  private async doProbe(): Promise<RuntimeProbe[]> {
    const env = this.opts.env ?? process.env;
    const uid = this.opts.uid !== undefined ? this.opts.uid : (process.getuid?.() ?? null);
    const found: RuntimeProbe[] = [];
    const dockerPath = dockerSocketPath(env);
    if (dockerPath === null)
      this.opts.onWarning?.(
        `DOCKER_HOST=${env.DOCKER_HOST} is not a unix:// socket; Docker is not used.`,
      );
    const docker = dockerPath ? await this.probeSocket('docker', dockerPath) : null;
    let podman: RuntimeProbe | null = null;
    for (const p of podmanSocketCandidates(env, uid)) {
      podman = await this.probeSocket('podman', p);
      if (podman) break;
    }
    if (docker) {
      const sameAsPodman =
        podman?.socketPath && docker.socketPath && sameFile(podman.socketPath, docker.socketPath);
      if (docker.kind === 'podman') {
        this.opts.onWarning?.(
          `The Docker socket ${docker.socketPath} is served by Podman ${docker.version}; it is handled as Podman.`,
        );
      }
      if (!sameAsPodman) found.push(docker);
    }
    if (podman) found.push(podman);
    if (this.processRuntime) {
      const info = await this.processRuntime.info();
      found.push({
        name: 'process',
        kind: 'process',
        version: info.version,
        apiVersion: info.apiVersion,
        socketPath: null,
      });
    }
    // The preferred runtime goes first so that "first available" honours --runtime.
    const pref = this.opts.preferred;
    return pref
      ? [...found.filter((f) => f.name === pref), ...found.filter((f) => f.name !== pref)]
      : found;
  }

  /** Names of the available runtimes, preferred first. */
  async available(): Promise<RuntimeName[]> {
    return (await this.probe()).map((p) => p.name);
  }

  /** The runtime with this name; RuntimeError 409 when it is not available here. */
  async get(name: RuntimeName): Promise<ContainerRuntime> {
    const probes = await this.probe();
    const p = probes.find((x) => x.name === name);
    if (!p) {
      const avail = probes.map((x) => x.name).join(', ') || 'none';
      throw new RuntimeError(
        'conflict',
        `Container runtime '${name}' is not available on this node (available: ${avail}).`,
      );
    }
    return this.handle(p);
  }

  /** The requested runtime, else the preferred one, else the first available (409 when none). */
  async select(requested?: RuntimeName | null): Promise<ContainerRuntime> {
    if (requested) return this.get(requested);
    const first = (await this.probe())[0];
    if (!first)
      throw new RuntimeError(
        'conflict',
        'No container runtime is available on this node (install Docker or Podman).',
      );
    return this.handle(first);
  }

  /** Every available runtime (for adopting containers after a restart). */
  async all(): Promise<ContainerRuntime[]> {
    return (await this.probe()).map((p) => this.handle(p));
  }

  private handle(p: RuntimeProbe): ContainerRuntime {
    if (p.name === 'process') {
      if (!this.processRuntime)
        throw new RuntimeError('internal', 'process runtime probed but not configured');
      return this.processRuntime;
    }
    if (!p.socketPath) throw new RuntimeError('internal', `${p.name} probed without a socket`);
    return this.engine(p.name, p.socketPath);
  }

  /** Closes engine connections. */
  async close(): Promise<void> {
    await Promise.all([...this.engines.values()].map((e) => e.close()));
    this.engines.clear();
  }
}
