import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LogSink } from '../logging/logger.js';

const MAX_BYTES = 5 * 1024 * 1024;

/**
 * A log sink writing JSON lines to `<dir>/main.log`, keeping one previous file (`main.log.1`)
 * when it passes 5 MiB. Lines arrive already redacted by the logger. Writes are synchronous so
 * the last lines before a crash are on disk; a failing disk never crashes the app.
 */
export function fileLogSink(dir: string): { sink: LogSink; file: string } {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'main.log');
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    size = 0;
  }
  const sink: LogSink = (line) => {
    const text = `${JSON.stringify(line)}\n`;
    try {
      if (size + text.length > MAX_BYTES) {
        renameSync(file, `${file}.1`);
        size = 0;
      }
      appendFileSync(file, text);
      size += Buffer.byteLength(text);
    } catch {
      process.stderr.write(text);
    }
  };
  return { sink, file };
}
