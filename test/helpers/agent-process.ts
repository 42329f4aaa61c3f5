import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killProcessesUnder } from './process-sweep.js';
import { spawnUntilReady } from './ready-process.js';
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
  const cleanup = () => {
    if (!ownDataDir) return;
    // The process runtime's shims (and their servers) outlive the agent by design; with the data
    // dir removed nothing can adopt them again.
    killProcessesUnder(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const p = await spawnUntilReady(
    [...command, ...full],
    env,
    /agent listening on (http:\/\/\S+)/,
    cleanup,
  );
  return {
    url: p.url,
    port: Number(new URL(p.url).port),
    token,
    dataDir,
    proc: p.proc,
    get stdout() {
      return p.stdout;
    },
    get stderr() {
      return p.stderr;
    },
    auth: (): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {}),
    stop: () => p.stop(),
  };
}
