import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AERIE_BIN } from './serve-process.js';

/** A running `aerie agent` process started by a test. */
export interface AgentProcess {
  url: string;
  port: number;
  /** The cluster token it was started with (null with --insecure). */
  token: string | null;
  dataDir: string;
  proc: ChildProcessWithoutNullStreams;
  readonly stdout: string;
  readonly stderr: string;
  /** `Authorization` header carrying the token. */
  auth(): Record<string, string>;
  /** SIGTERM, then SIGKILL after 5 s; resolves with the exit code; removes a data dir it created. Idempotent. */
  stop(): Promise<number | null>;
}

export interface AgentProcessOptions {
  /** The command to run instead of `node bin/aerie.mjs agent` (e.g. the standalone bundle). */
  command?: string[];
}

/**
 * Starts `aerie agent` on 127.0.0.1, port 0 (read back from the `agent listening on` line), with a
 * temp data dir and a fresh cluster token unless `args` bring their own `--data-dir` /
 * `--cluster-token` / `--insecure`. A process that fails to start is killed; the error has its output.
 */
export async function startAgent(
  args: string[] = [],
  env: Record<string, string> = {},
  opts: AgentProcessOptions = {},
): Promise<AgentProcess> {
  const ownDataDir = !args.includes('--data-dir');
  const dataDir = ownDataDir
    ? mkdtempSync(join(tmpdir(), 'aerie-agent-'))
    : (args[args.indexOf('--data-dir') + 1] ?? '');
  const insecure = args.includes('--insecure');
  const givenToken = args.includes('--cluster-token')
    ? (args[args.indexOf('--cluster-token') + 1] ?? null)
    : env.AERIE_CLUSTER_TOKEN || null;
  const token = insecure ? null : (givenToken ?? `test-cluster-${randomBytes(12).toString('hex')}`);
  const full = [
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    ...(ownDataDir ? ['--data-dir', dataDir] : []),
    ...(token && !givenToken ? ['--cluster-token', token] : []),
    ...args,
  ];
  const command = opts.command ?? [process.execPath, AERIE_BIN, 'agent'];
  const [exe, ...pre] = command as [string, ...string[]];
  const proc = spawn(exe, [...pre, ...full], {
    env: { ...process.env, AERIE_LOG_LEVEL: 'info', ...env },
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const cleanup = () => {
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  let url: string;
  try {
    url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(
        () => reject(new Error('aerie agent did not print "agent listening on" within 20 s')),
        20_000,
      );
      const onData = () => {
        const m = /agent listening on (http:\/\/\S+)/.exec(stdout);
        if (!m?.[1]) return;
        clearTimeout(timer);
        proc.stdout.off('data', onData);
        resolveUrl(m[1]);
      };
      proc.stdout.on('data', onData);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`aerie agent exited with ${code} before listening`));
      });
    });
  } catch (err) {
    proc.kill('SIGKILL');
    await exited;
    cleanup();
    throw new Error(
      `${(err as Error).message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
    );
  }

  let stopping: Promise<number | null> | null = null;
  return {
    url,
    port: Number(new URL(url).port),
    token,
    dataDir,
    proc,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    auth: (): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {}),
    stop: () =>
      (stopping ??= (async () => {
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGTERM');
          const kill = setTimeout(() => proc.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(kill);
        }
        cleanup();
        return proc.exitCode;
      })()),
  };
}
