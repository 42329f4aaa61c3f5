// Pure on purpose (no electron import): an uncaught error in the main process is logged and the
// app keeps running, so one bad callback does not take the fleet's control plane down with it.
import type { Logger } from '../logging/logger.js';

/** The part of `process` the guard listens on. */
export interface ProcessErrors {
  on(event: 'uncaughtException', listener: (err: Error, origin: string) => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  off(event: 'uncaughtException', listener: (err: Error, origin: string) => void): unknown;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

export interface CrashGuardOptions {
  log: Pick<Logger, 'error'>;
  /** Told after logging (the shell shows a notice for the first one). */
  onCrash?: (kind: 'uncaught_exception' | 'unhandled_rejection', err: unknown) => void;
}

/**
 * Installs handlers for uncaught exceptions and unhandled rejections that log them (redacted, with
 * the stack) instead of letting Node end the process. Returns the function that removes them.
 */
export function installCrashGuard(proc: ProcessErrors, opts: CrashGuardOptions): () => void {
  const onException = (err: Error, origin: string) => {
    opts.log.error('uncaught exception in the main process; the control plane keeps serving', {
      err,
      origin,
    });
    opts.onCrash?.('uncaught_exception', err);
  };
  const onRejection = (reason: unknown) => {
    opts.log.error('unhandled promise rejection in the main process', { err: reason });
    opts.onCrash?.('unhandled_rejection', reason);
  };
  proc.on('uncaughtException', onException);
  proc.on('unhandledRejection', onRejection);
  return () => {
    proc.off('uncaughtException', onException);
    proc.off('unhandledRejection', onRejection);
  };
}
