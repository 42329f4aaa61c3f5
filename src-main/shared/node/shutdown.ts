/**
 * Resolves with the process exit code once SIGINT or SIGTERM arrived and `stop` finished: 0, or 1
 * when `stop` took longer than `hardTimeoutMs`. Install it before printing a ready line: whoever
 * waits for that line may signal right after reading it.
 */
export function exitCodeOnSignal(
  program: string,
  stop: () => Promise<void>,
  hardTimeoutMs: number,
): Promise<number> {
  return new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      const hard = setTimeout(() => {
        process.stderr.write(`${program}: shutdown after ${signal} took too long; exiting\n`);
        resolve(1);
      }, hardTimeoutMs);
      hard.unref();
      void stop().then(() => {
        clearTimeout(hard);
        resolve(0);
      });
    };
    const onInt = () => shutdown('SIGINT');
    const onTerm = () => shutdown('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
