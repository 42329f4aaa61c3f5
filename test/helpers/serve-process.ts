import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const AERIE_BIN = fileURLToPath(new URL('../../bin/aerie.mjs', import.meta.url));

/** A running `aerie serve` process started by a test. */
export interface ServeProcess {
  url: string;
  port: number;
  dataDir: string;
  proc: ChildProcessWithoutNullStreams;
  /** Everything printed so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Sends SIGTERM and resolves with the exit code (SIGKILL after 5 s). */
  stop(): Promise<number | null>;
}

/** Result of a `aerie …` run that is expected to exit by itself. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (for config and start-up failures). */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<CliRun> {
  return new Promise((resolveRun, reject) => {
    const proc = spawn(process.execPath, [AERIE_BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`aerie ${args.join(' ')} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/**
 * Starts `aerie serve` on 127.0.0.1 with a free port (port 0, read back from the `listening on`
 * line) and a temp data dir unless `--data-dir` is among `args`.
 */
export async function startServe(args: string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
  const dataDirIndex = args.indexOf('--data-dir');
  const dataDir = dataDirIndex >= 0 ? (args[dataDirIndex + 1] ?? '') : mkdtempSync(join(tmpdir(), 'aerie-serve-'));
  const full = ['serve', '--host', '127.0.0.1', '--port', '0', ...(dataDirIndex >= 0 ? [] : ['--data-dir', dataDir]), ...args];
  const proc = spawn(process.execPath, [AERIE_BIN, ...full], { env: { ...process.env, AERIE_LOG_LEVEL: 'info', ...env } });
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`aerie serve did not start within 20 s\n${stdout}\n${stderr}`)), 20_000);
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m?.[1]) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`aerie serve exited with ${code} before listening\n${stdout}\n${stderr}`));
    });
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    proc,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const kill = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      const code = await exited;
      clearTimeout(kill);
      return code;
    },
  };
}
