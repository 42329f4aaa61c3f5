import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnUntilReady } from './ready-process.js';
import { waitFor } from './wait.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const AERIE_BIN = join(REPO_ROOT, 'bin', 'aerie.mjs');

/** A running `aerie serve` process started by a test. */
export interface ServeProcess {
  url: string;
  port: number;
  dataDir: string;
  proc: ChildProcessWithoutNullStreams;
  /** Everything printed so far. */
  readonly stdout: string;
  readonly stderr: string;
  /**
   * Sends SIGTERM and resolves with the exit code (SIGKILL after 5 s); removes the data dir when
   * the fixture created it. Safe to call twice.
   */
  stop(): Promise<number | null>;
}

/** Result of a `aerie …` run that is expected to exit by itself. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (for config and start-up failures). */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<CliRun> {
  return new Promise((resolveRun, reject) => {
    const proc = spawn(process.execPath, [AERIE_BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(
        new Error(
          `aerie ${args.join(' ')} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`,
        ),
      );
    }, timeoutMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/**
 * Starts `aerie serve` on 127.0.0.1 with a free port (port 0, read back from the `listening on`
 * line) and a temp data dir unless `--data-dir` is among `args`. A process that fails to start
 * is killed and the error carries its output.
 */
export async function startServe(
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<ServeProcess> {
  const dataDirIndex = args.indexOf('--data-dir');
  const ownDataDir = dataDirIndex < 0;
  const dataDir = ownDataDir
    ? mkdtempSync(join(tmpdir(), 'aerie-serve-'))
    : (args[dataDirIndex + 1] ?? '');
  const full = [
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    ...(ownDataDir ? ['--data-dir', dataDir] : []),
    ...args,
  ];
  const cleanup = () => {
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const p = await spawnUntilReady(
    [process.execPath, AERIE_BIN, ...full],
    env,
    /^listening on (http:\/\/\S+)/m,
    cleanup,
  );
  return {
    url: p.url,
    port: Number(new URL(p.url).port),
    dataDir,
    proc: p.proc,
    get stdout() {
      return p.stdout;
    },
    get stderr() {
      return p.stderr;
    },
    stop: () => p.stop(),
  };
}

function newestMtime(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const at = (p: string) => join(REPO_ROOT, p);

function buildIsStale(): boolean {
  const cli = statSync(at('out/cli/cli.mjs'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const console = statSync(at('out/renderer/index.html'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(newestMtime(at('src-main')), newestMtime(at('package.json')));
  return cli < sources || console < Math.max(sources, newestMtime(at('src-renderer')));
}

/**
 * Rebuilds the CLI and the console (`node scripts/build.mjs`) when a source is newer than the
 * bundles; test files running in parallel share one build through a lock directory.
 */
export async function ensureFreshBuild(timeoutMs = 120_000): Promise<void> {
  if (!buildIsStale()) return;
  mkdirSync(at('out'), { recursive: true });
  const lock = at('out/.build-lock');
  const takeLock = () => {
    try {
      mkdirSync(lock);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a killed run would block every later run.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > timeoutMs) rmSync(lock, { recursive: true, force: true });
      return false;
    }
  };
  await waitFor(takeLock, timeoutMs, `the build lock ${lock}`);
  try {
    if (!buildIsStale()) return;
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: timeoutMs,
    });
    if (r.status !== 0)
      throw new Error(`node scripts/build.mjs failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
