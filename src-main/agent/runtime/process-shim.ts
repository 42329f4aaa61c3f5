import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { constants } from 'node:os';
import {
  type ProcessConfig,
  type ProcessStateFile,
  SHIM_ENV_VAR,
  containerPaths,
  killGroup,
  readJson,
  writeJsonAtomic,
} from './process-state.js';

const DEFAULT_GRACE_S = 30;
/** Docker's restart backoff: 100 ms doubling up to one minute, reset after 10 s of uptime. */
const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 60_000;
const STABLE_RUN_MS = 10_000;

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? constants.signals[signal] : undefined;
  return 128 + (n ?? 0);
}

/** Env of the server: the agent's own `AERIE_*` settings (tokens) are not passed on. */
function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AERIE_')) env[k] = v;
  return { ...env, ...extra };
}

/** The deployment's env, handed over by the runtime in this process's environment (never a file). */
function deploymentEnv(): Record<string, string> {
  try {
    const parsed = JSON.parse(process.env[SHIM_ENV_VAR] ?? '{}') as unknown;
    if (parsed === null || typeof parsed !== 'object') return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  } catch {
    return {};
  }
}

/**
 * The per-container monitor behind `aerie agent-shim <config.json>` (like Podman's conmon): runs
 * the server detached from the agent, timestamps its output into the log file, records its state,
 * restarts it whenever it exits (Docker's `unless-stopped`), and stops it on SIGTERM (grace
 * period from the stop request, then SIGKILL). Resolves with the shim's exit code.
 */
export async function runShim(configPath: string): Promise<number> {
  const cfg = readJson<ProcessConfig>(configPath);
  if (!cfg) {
    process.stderr.write(`agent-shim: cannot read ${configPath}\n`);
    return 2;
  }
  const paths = containerPaths(dirname(dirname(configPath)), cfg.id);
  const env = deploymentEnv();
  const [cmd, ...args] = cfg.argv;
  if (!cmd) return 2;
  const state: ProcessStateFile = {
    status: 'created',
    shimPid: process.pid,
    pid: null,
    exitCode: null,
    restartCount: 0,
    startedAt: null,
    finishedAt: null,
  };
  const save = (): void => writeJsonAtomic(paths.state, state);
  let stopping = false;
  let child: ChildProcess | null = null;
  let wakeBackoff: (() => void) | null = null;

  const log = (stream: 'stdout' | 'stderr', text: string): void => {
    appendFileSync(paths.log, `${new Date().toISOString()} ${stream} ${text}\n`);
  };

  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    wakeBackoff?.();
    const c = child;
    if (!c?.pid || c.exitCode !== null || c.signalCode !== null) return;
    const grace =
      readJson<{ graceSeconds?: number }>(paths.stopRequest)?.graceSeconds ?? DEFAULT_GRACE_S;
    killGroup(c.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(c.pid ?? 0, 'SIGKILL'), Math.max(0, grace) * 1000);
    c.once('exit', () => clearTimeout(timer));
  });
  // The shim is detached from any terminal; a hang-up must not take the server down.
  process.on('SIGHUP', () => undefined);
  process.on('SIGINT', () => undefined);

  let backoff = BACKOFF_START_MS;
  for (;;) {
    const started = Date.now();
    const c = spawn(cmd, args, {
      env: serverEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child = c;
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      c.once('close', (code, signal) => resolve({ code, signal }));
      c.once('error', (err) => {
        log('stderr', `agent-shim: cannot start ${cmd}: ${err.message}`);
        resolve({ code: 127, signal: null });
      });
    });
    for (const [stream, src] of [
      ['stdout', c.stdout],
      ['stderr', c.stderr],
    ] as const) {
      let partial = '';
      src?.setEncoding('utf8');
      src?.on('data', (d: string) => {
        const lines = (partial + d).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) log(stream, l.replace(/\r$/, ''));
      });
      src?.on('end', () => {
        if (partial) log(stream, partial);
      });
    }
    // `exitCode` keeps the previous run's code while this one runs: the agent reads it when it
    // sees the restart, however late its monitor looks.
    Object.assign(state, {
      status: 'running',
      pid: c.pid ?? null,
      startedAt: new Date(started).toISOString(),
    });
    save();
    const { code, signal } = await done;
    // Workers the server left behind die with it, as they would with the container's cgroup.
    if (c.pid) killGroup(c.pid, 'SIGKILL');
    const exitCode = exitCodeOf(code, signal);
    Object.assign(state, { pid: null, exitCode, finishedAt: new Date().toISOString() });
    // Like Docker's `unless-stopped`: every exit is restarted, a clean 0 too, unless stopped.
    if (stopping || !cfg.restartUnlessStopped) {
      state.status = 'exited';
      save();
      return 0;
    }
    if (Date.now() - started >= STABLE_RUN_MS) backoff = BACKOFF_START_MS;
    state.status = 'restarting';
    save();
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, backoff);
      wakeBackoff = () => {
        clearTimeout(t);
        resolve();
      };
    });
    wakeBackoff = null;
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    if (stopping) {
      state.status = 'exited';
      save();
      return 0;
    }
    // Counted when the new run starts, like Docker's RestartCount.
    state.restartCount += 1;
  }
}
