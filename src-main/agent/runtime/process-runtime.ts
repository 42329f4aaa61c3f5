import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import type {
  ContainerInfo,
  ContainerRuntime,
  ContainerState,
  ImageDetails,
  ImageSummary,
  LaunchSpec,
  RawLogLine,
  RuntimeInfo,
} from './container-runtime.js';
import { readShimLog } from './process-logs.js';
import {
  type ProcessConfig,
  type ProcessStateFile,
  SHIM_ENV_VAR,
  containerPaths,
  isShimAlive,
  killGroup,
  readJson,
  writeJsonAtomic,
} from './process-state.js';
import { RuntimeError } from './runtime-error.js';

export interface ProcessRuntimeOptions {
  /** Where each process "container" keeps its config, state and log (survives agent restarts). */
  stateDir: string;
  /** The simulator command; the launch args are appended, e.g. `[node, cli.mjs, 'vllm-sim']`. */
  simCommand: string[];
  /** How to start the shim; `<config.json>` is appended. Default: this CLI's `agent-shim`. */
  shimCommand?: string[];
}

const START_TIMEOUT_MS = 15_000;
const POLL_MS = 50;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs each deployment as a detached simulator process watched by its own shim. */
export class ProcessRuntime implements ContainerRuntime {
  readonly name = 'process' as const;
  private readonly shimCommand: string[];

  constructor(private readonly opts: ProcessRuntimeOptions) {
    if (opts.simCommand.length === 0)
      throw new RuntimeError('bad_request', 'the process runtime needs a simulator command');
    this.shimCommand = opts.shimCommand ?? [process.execPath, process.argv[1] ?? '', 'agent-shim'];
    mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
  }

  ping(): Promise<boolean> {
    return Promise.resolve(true);
  }

  /** The "engine" is the Node.js that runs the shims and simulators. */
  info(): Promise<RuntimeInfo> {
    return Promise.resolve({ kind: 'process', version: process.versions.node, apiVersion: '1' });
  }

  /** There is no image: the simulator is part of this program. */
  ensureImage(): Promise<{ imageId: string; digest: string | null }> {
    return Promise.resolve({ imageId: 'process', digest: null });
  }

  /** No image store: the image cache shows nothing for this runtime. */
  listImages(): Promise<ImageSummary[]> {
    return Promise.resolve([]);
  }

  inspectImage(): Promise<ImageDetails | null> {
    return Promise.resolve(null);
  }

  /** Nothing is ever stored, so every reference is missing (404), like an engine without the image. */
  removeImage(ref: string): Promise<void> {
    return Promise.reject(
      new RuntimeError(
        'not_found',
        `the process runtime stores no images (asked to remove ${ref})`,
      ),
    );
  }

  async run(spec: LaunchSpec): Promise<ContainerInfo> {
    for (const c of await this.list([])) if (c.name === spec.name) await this.remove(c.id);
    const id = `proc-${randomBytes(8).toString('hex')}`;
    const paths = containerPaths(this.opts.stateDir, id);
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    const cfg: ProcessConfig = {
      id,
      name: spec.name,
      labels: { ...spec.labels },
      image: spec.image,
      argv: [...this.opts.simCommand, ...spec.args],
      envKeys: Object.keys(spec.env),
      restartUnlessStopped: spec.restartUnlessStopped,
      createdAt: new Date().toISOString(),
    };
    writeJsonAtomic(paths.config, cfg);
    const [cmd, ...args] = this.shimCommand;
    if (!cmd) throw new RuntimeError('internal', 'the process runtime has no shim command');
    // Electron's binary behaves as plain Node with this set; node ignores it.
    const shim = spawn(cmd, [...args, paths.config], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', [SHIM_ENV_VAR]: JSON.stringify(spec.env) },
    });
    const failure = new Promise<string>((resolve) => {
      shim.once('error', (err) => resolve(err.message));
      shim.once('exit', (code, signal) =>
        resolve(`it exited (${signal ?? code}) before the server started`),
      );
    });
    shim.unref();
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const st = readJson<ProcessStateFile>(paths.state);
      if (st && st.status !== 'created') return this.toInfo(cfg, st);
      const failed = await Promise.race([failure, sleep(POLL_MS).then(() => null)]);
      // The shim may exit quickly after recording a fast-failing server, so re-read its state first.
      const after = readJson<ProcessStateFile>(paths.state);
      if (after && after.status !== 'created') return this.toInfo(cfg, after);
      if (failed !== null) {
        rmSync(paths.dir, { recursive: true, force: true });
        throw new RuntimeError('internal', `cannot start the process shim '${cmd}': ${failed}`);
      }
    }
    if (shim.pid) killGroup(shim.pid, 'SIGKILL');
    rmSync(paths.dir, { recursive: true, force: true });
    throw new RuntimeError(
      'internal',
      `the process shim for ${spec.name} did not report within ${START_TIMEOUT_MS / 1000} s`,
    );
  }

  private toInfo(cfg: ProcessConfig, st: ProcessStateFile | null): ContainerInfo {
    let state: ContainerState = st?.status ?? 'created';
    // A shim that died without recording an exit (SIGKILL, reboot) leaves a dead container.
    if (st && state !== 'exited' && !isShimAlive(st.shimPid, cfg.id)) state = 'dead';
    const running = state === 'running';
    return {
      id: cfg.id,
      name: cfg.name,
      // Configs written before the image was recorded fall back to the runtime's name.
      image: cfg.image ?? 'process',
      imageId: 'process',
      labels: cfg.labels,
      state,
      exitCode: st?.exitCode ?? null,
      restartCount: st?.restartCount ?? 0,
      pid: running ? (st?.pid ?? null) : null,
      startedAt: st?.startedAt ?? null,
      runtime: 'process',
    };
  }

  private load(id: string): { cfg: ProcessConfig; st: ProcessStateFile | null } | null {
    if (!/^proc-[0-9a-f]+$/.test(id)) return null;
    const paths = containerPaths(this.opts.stateDir, id);
    const cfg = readJson<ProcessConfig>(paths.config);
    return cfg ? { cfg, st: readJson<ProcessStateFile>(paths.state) } : null;
  }

  inspect(id: string): Promise<ContainerInfo | null> {
    const c = this.load(id);
    return Promise.resolve(c ? this.toInfo(c.cfg, c.st) : null);
  }

  async list(labels: string[]): Promise<ContainerInfo[]> {
    if (!existsSync(this.opts.stateDir)) return [];
    const out: ContainerInfo[] = [];
    for (const id of readdirSync(this.opts.stateDir)) {
      const info = await this.inspect(id);
      if (info && labels.every((l) => matchesLabel(info.labels, l))) out.push(info);
    }
    return out;
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    const c = this.load(id);
    if (!c?.st) return;
    const { cfg, st } = c;
    if (st.status === 'exited') return;
    const paths = containerPaths(this.opts.stateDir, id);
    const grace = Math.max(0, graceSeconds);
    if (isShimAlive(st.shimPid, cfg.id)) {
      writeJsonAtomic(paths.stopRequest, { graceSeconds: grace });
      process.kill(st.shimPid, 'SIGTERM');
      const deadline = Date.now() + (grace + 10) * 1000;
      while (Date.now() < deadline) {
        if (readJson<ProcessStateFile>(paths.state)?.status === 'exited') return;
        await sleep(POLL_MS);
      }
    }
    // No shim to do it (or it hung): kill what is left ourselves.
    if (st.pid) killGroup(st.pid, 'SIGKILL');
    if (isShimAlive(st.shimPid, cfg.id)) process.kill(st.shimPid, 'SIGKILL');
    const latest = readJson<ProcessStateFile>(paths.state) ?? st;
    writeJsonAtomic(paths.state, {
      ...latest,
      status: 'exited',
      pid: null,
      // The shim did not record the end of this run: it was killed.
      exitCode: latest.status === 'exited' ? latest.exitCode : 137,
      finishedAt: new Date().toISOString(),
    });
  }

  async remove(id: string): Promise<void> {
    const c = this.load(id);
    if (!c) return;
    await this.stop(id, 0);
    rmSync(containerPaths(this.opts.stateDir, id).dir, { recursive: true, force: true });
  }

  async *logs(
    id: string,
    opts: { follow: boolean; tail?: number; sinceUnixSeconds?: number; signal?: AbortSignal },
  ): AsyncIterable<RawLogLine> {
    const c = this.load(id);
    if (!c) throw new RuntimeError('not_found', `container ${id} not found`);
    const finished = (): boolean => {
      const now = this.load(id);
      if (!now) return true;
      const s = this.toInfo(now.cfg, now.st).state;
      return s === 'exited' || s === 'dead';
    };
    yield* readShimLog(containerPaths(this.opts.stateDir, id).log, opts, finished);
  }
}

/** Matches a `key` or `key=value` label filter. */
export function matchesLabel(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  if (eq === -1) return Object.hasOwn(labels, filter);
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}
