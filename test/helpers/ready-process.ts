import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** A child process that printed its ready line. */
export interface ReadyProcess {
  /** The URL captured from the ready line. */
  url: string;
  proc: ChildProcessWithoutNullStreams;
  readonly stdout: string;
  readonly stderr: string;
  /** SIGTERM, SIGKILL after 5 s; resolves with the exit code, then runs `cleanup`. Idempotent. */
  stop(): Promise<number | null>;
}

/**
 * Spawns `command` and resolves once stdout matches `ready` (its first group is the URL). A process
 * that exits first or stays silent for 20 s is killed, `cleanup` runs, and the error carries its
 * output.
 */
export async function spawnUntilReady(
  command: readonly string[],
  env: Record<string, string>,
  ready: RegExp,
  cleanup: () => void = () => undefined,
): Promise<ReadyProcess> {
  const [exe, ...args] = command as [string, ...string[]];
  const proc = spawn(exe, args, { env: { ...process.env, AERIE_LOG_LEVEL: 'info', ...env } });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  let url: string;
  try {
    url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${command.join(' ')} printed no ready line within 20 s`)),
        20_000,
      );
      const onData = () => {
        const m = ready.exec(stdout);
        if (!m?.[1]) return;
        clearTimeout(timer);
        proc.stdout.off('data', onData);
        resolveUrl(m[1]);
      };
      proc.stdout.on('data', onData);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${command.join(' ')} exited with ${code} before its ready line`));
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
    proc,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
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
