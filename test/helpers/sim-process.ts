// Starts the vLLM simulator as a real child process for tests (and for other suites that need a
// vLLM server): builds the single-file bundle once per test worker into a temp dir, spawns it,
// collects its output and stops it with SIGTERM.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from './wait.js';

const REPO = resolve(import.meta.dirname, '..', '..');
let bundle: string | null = null;

/** Path of a freshly built simulator bundle (built once per worker, in a temp dir of its own). */
export function simBundle(): string {
  if (bundle !== null) return bundle;
  const out = join(mkdtempSync(join(tmpdir(), 'aerie-sim-build-')), 'aerie-vllm-sim.mjs');
  const r = spawnSync(process.execPath, ['scripts/build-sim.mjs', '--outfile', out], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`building the simulator failed: ${r.stderr}`);
  bundle = out;
  return out;
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

export interface SimProcess {
  proc: ChildProcess;
  /** The HTTP port (known once the "Starting vLLM … server … on" line was printed, or the one passed). */
  port: number;
  baseUrl: string;
  /** Everything printed so far, stdout and stderr interleaved in arrival order. */
  logs(): string;
  /** Resolves with the exit code (null if killed by a signal). */
  exited: Promise<number | null>;
  /** Waits until the output contains `text`. */
  waitForLog(text: string, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after the deadline; resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

export interface StartOptions {
  /** Wait until GET /health answers 200 (default true). */
  waitReady?: boolean;
  timeoutMs?: number;
  /** Run through `node <cli bundle> vllm-sim` instead of the simulator bundle. */
  cliBundle?: string;
}

/**
 * Spawns `aerie vllm-sim <args>` with `env` added to the environment (AERIE_SIM_LOAD_S defaults to
 * 0.2 here). Without `--port` in args it passes `--port 0` and reads the port from the log.
 */
export async function startSim(
  args: readonly string[],
  env: Record<string, string> = {},
  opts: StartOptions = {},
): Promise<SimProcess> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const hasPort = args.some((a) => a === '--port' || a.startsWith('--port='));
  const argv = hasPort ? [...args] : [...args, '--port', '0'];
  const entry = opts.cliBundle ? [opts.cliBundle, 'vllm-sim'] : [simBundle()];
  const proc = spawn(process.execPath, [...entry, ...argv], {
    env: { ...process.env, AERIE_SIM_LOAD_S: '0.2', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  let done = false;
  void exited.then(() => (done = true));
  const portArg = argv[argv.indexOf('--port') + 1];
  const knownPort = hasPort
    ? Number(
        args.includes('--port') ? portArg : args.find((a) => a.startsWith('--port='))?.slice(7),
      )
    : 0;
  const sim: SimProcess = {
    proc,
    port: knownPort,
    baseUrl: knownPort ? `http://127.0.0.1:${knownPort}` : '',
    logs: () => output,
    exited,
    waitForLog: async (text, ms = timeoutMs) => {
      await waitFor(
        () => {
          if (output.includes(text)) return true;
          if (done) throw new Error(`simulator exited before printing '${text}':\n${output}`);
          return false;
        },
        ms,
        `log line containing '${text}'`,
      ).catch((err: unknown) => {
        // The exit error already carries the output; a timeout gets the output seen by then.
        throw done ? err : new Error(`${(err as Error).message}\n--- output so far ---\n${output}`);
      });
    },
    stop: async (ms = 5000) => {
      if (!done) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  if (opts.waitReady === false) return sim;
  await sim.waitForLog('Application startup complete.', timeoutMs);
  // 0.11: "Starting vLLM API server 0 on http://…"; current: "Starting vLLM server on http://…".
  const m = /Starting vLLM (?:API )?server (?:0 )?on http:\/\/[^:]+:(\d+)/.exec(output);
  sim.port = Number(m?.[1] ?? sim.port);
  sim.baseUrl = `http://127.0.0.1:${sim.port}`;
  await waitFor(
    async () => {
      if (done) throw new Error(`simulator exited before it was ready:\n${output}`);
      return (await fetch(`${sim.baseUrl}/health`).catch(() => null))?.status === 200;
    },
    timeoutMs,
    'GET /health == 200',
  );
  return sim;
}
