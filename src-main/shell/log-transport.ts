// The desktop app's log transport: electron-log's file transport (rotation, synchronous writes)
// in the platform log dir. No electron import: the shell passes `electron-log/main`, tests pass
// `electron-log/node`, both the same logger type.
import { join } from 'node:path';
import type { LogLevel as ElectronLogLevel, LogMessage, NodeLogger } from 'electron-log';
import type { LogSink } from '../logging/logger.js';
import { redact } from '../logging/logger.js';

export interface LogTransportOptions {
  /** The platform log dir (`app.getPath('logs')`). */
  dir: string;
  /** Rotation size; the previous file is kept as `main.old.log`. */
  maxBytes?: number;
}

export const LOG_FILE_NAME = 'main.log';
const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

/**
 * Every message passes the shared redactor, whoever logged it (our structured logger's lines are
 * redacted already; direct electron-log calls, e.g. from a dependency, are not).
 */
export const redactHook = (message: LogMessage): LogMessage => ({
  ...message,
  data: message.data.map((d: unknown) => redact(d)),
});

/**
 * Points electron-log's file transport at `<dir>/main.log` with rotation, one JSON object per
 * line, console output off (the app has no terminal), and returns the sink for `setLogSink`.
 */
export function configureLogTransport(
  log: NodeLogger,
  opts: LogTransportOptions,
): { sink: LogSink; file: string } {
  const file = join(opts.dir, LOG_FILE_NAME);
  const t = log.transports.file;
  t.resolvePathFn = () => file;
  t.maxSize = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  t.format = '{text}';
  t.level = 'debug';
  t.sync = true;
  log.transports.console.level = false;
  if (!log.hooks.includes(redactHook)) log.hooks.push(redactHook);
  const sink: LogSink = (line) => {
    const level = typeof line.level === 'string' ? line.level : 'info';
    const lvl: ElectronLogLevel =
      level === 'error' || level === 'warn' || level === 'debug' ? level : 'info';
    log[lvl](JSON.stringify(line));
  };
  return { sink, file };
}

/** Levels of the renderer's console messages (Electron's `console-message` event). */
export type ConsoleLevel = 'debug' | 'info' | 'warning' | 'error';

/**
 * The log line for one renderer console message, or null for debug/info chatter: warnings and
 * errors of the console page go into the main log so a bug report has both sides.
 */
export function rendererLogLine(
  level: ConsoleLevel,
  message: string,
  source: string,
  line: number,
): { level: 'warn' | 'error'; msg: string; fields: Record<string, unknown> } | null {
  if (level !== 'warning' && level !== 'error') return null;
  return {
    level: level === 'error' ? 'error' : 'warn',
    msg: 'renderer console',
    fields: { source: 'renderer', message: message.slice(0, 4000), at: `${source}:${line}` },
  };
}
